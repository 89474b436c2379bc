// Virtual network, the client's close(2): the module reads the bytes sent
// before it, then EOF (POLLIN with PEER_CLOSED), and its sends fail with EPIPE.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_AGAIN, ERRNO_PIPE } from '../ts/wasi/defs.js';
import { PEER_CLOSED, READABLE } from '../ts/transport/types.js';
import { ioList, settle, virtualPair } from './helpers/virtual-network.js';

test('bytes, then EOF, and EPIPE on send after the client closed', async () => {
  const { owner, module } = await virtualPair();
  const socket = await owner.connect();
  const conn = module.accept(module.listeners[0]!);
  const into = new Uint8Array(64);
  assert.is(module.recv(conn, ioList(into), false), -ERRNO_AGAIN);
  await socket.writable.getWriter().write(new TextEncoder().encode('hello'));
  socket.close();
  await settle();
  const bits = module.poll(conn);
  assert.ok(bits & READABLE && bits & PEER_CLOSED);
  assert.is(module.recv(conn, ioList(into), false), 5);
  assert.is(new TextDecoder().decode(into.subarray(0, 5)), 'hello');
  assert.is(module.recv(conn, ioList(into), false), 0);
  assert.is(module.send(conn, ioList(into)), -ERRNO_PIPE);
  module.close(conn);
  module.wait(0);
  await settle();
  assert.is(owner.connections, 0);
  await owner.close(0);
});

test.run();
