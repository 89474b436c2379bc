// Virtual network, shutdown(SHUT_RD) on the module's side: bytes the client
// goes on writing are dropped, not held in the ring, so the client is never
// held back by a module that will read nothing more; and nothing counts as
// unread, so the module's close is a FIN, not a reset. (The contract suite
// checks, with a few bytes, what the module reads after SHUT_RD; whether a
// peer that goes on writing is held back is each kind's own rule: the
// kernel's, for the kernel kind.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SHUT_RD } from '../ts/transport/types.js';
import { ioList } from './helpers/transport-contract/calls.js';
import { letOwnerRun, readAll, virtualPair } from './helpers/virtual-network.js';

test('SHUT_RD: the client writing far more than the ring is not held back; close is then a FIN', async () => {
  const { owner, module } = await virtualPair({ inbound: 1024 });
  const socket = await owner.connect();
  const conn = module.accept(module.listeners[0]!);
  const writer = socket.writable.getWriter();
  await writer.write(new Uint8Array(1000));
  assert.is(module.shutdown(conn, SHUT_RD), 0);
  module.wait(0);
  await letOwnerRun();
  await writer.write(new Uint8Array(100_000)); // far more than the ring: dropped, not blocked
  assert.is(module.recv(conn, ioList(new Uint8Array(10), [0, 10]), false), 0);
  assert.is(module.readable(conn), 0);
  module.close(conn);
  module.wait(0);
  assert.is((await readAll(socket)).byteLength, 0);
  await owner.close(0);
});

test.run();
