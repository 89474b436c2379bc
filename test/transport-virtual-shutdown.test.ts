// Virtual network, shutdown(2) on the module's side: SHUT_WR gives the client
// EOF after the bytes and later sends fail with EPIPE; SHUT_RD drops what is
// buffered and what arrives later (the client's writes still complete), and
// the module reads EOF.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_PIPE } from '../ts/wasi/defs.js';
import { SHUT_RD, SHUT_WR } from '../ts/transport/types.js';
import { ioList, readAll, settle, virtualPair } from './helpers/virtual-network.js';

test('SHUT_WR: EOF for the client after the bytes; sends then fail with EPIPE', async () => {
  const { owner, module } = await virtualPair();
  const socket = await owner.connect();
  const conn = module.accept(module.listeners[0]!);
  module.send(conn, ioList(new TextEncoder().encode('last words')));
  assert.is(module.shutdown(conn, SHUT_WR), 0);
  module.wait(0);
  assert.is(new TextDecoder().decode(await readAll(socket)), 'last words');
  assert.is(module.send(conn, ioList(new Uint8Array(1))), -ERRNO_PIPE);
  await owner.close(0);
});

test('SHUT_RD: buffered and later input dropped, recv reads EOF, the client is not held back', async () => {
  const { owner, module } = await virtualPair({ inbound: 1024 });
  const socket = await owner.connect();
  const conn = module.accept(module.listeners[0]!);
  const writer = socket.writable.getWriter();
  await writer.write(new Uint8Array(1000));
  assert.is(module.shutdown(conn, SHUT_RD), 0);
  module.wait(0);
  await settle();
  await writer.write(new Uint8Array(100_000)); // far more than the ring: dropped, not blocked
  assert.is(module.recv(conn, ioList(new Uint8Array(10)), false), 0);
  assert.is(module.readable(conn), 0);
  module.close(conn); // nothing counts as unread: FIN, not a reset
  module.wait(0);
  assert.is((await readAll(socket)).byteLength, 0);
  await owner.close(0);
});

test.run();
