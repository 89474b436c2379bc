// Virtual network, close(2) as the kernel does it: a connection the module
// closes with input unread is reset (the client's read fails ECONNRESET); one
// closed with nothing unread ends with FIN, after the bytes the module sent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ioList, readAll, settle, virtualPair } from './helpers/virtual-network.js';

test('closed with unread input: the client is reset', async () => {
  const { owner, module } = await virtualPair();
  const socket = await owner.connect();
  const conn = module.accept(module.listeners[0]!);
  await socket.writable.getWriter().write(new TextEncoder().encode('never read'));
  module.close(conn);
  module.wait(0);
  await readAll(socket).then(
    () => assert.unreachable('a reset connection does not end with EOF'),
    (error: { code?: string }) => assert.is(error.code, 'ECONNRESET'),
  );
  await settle();
  assert.is(owner.connections, 0, 'the slot went back');
  await owner.close(0);
});

test('closed with nothing unread: the client reads what was sent, then EOF', async () => {
  const { owner, module } = await virtualPair();
  const socket = await owner.connect();
  const conn = module.accept(module.listeners[0]!);
  assert.is(module.send(conn, ioList(new TextEncoder().encode('bye'))), 3);
  module.close(conn);
  module.wait(0);
  assert.is(new TextDecoder().decode(await readAll(socket)), 'bye');
  await owner.close(0);
});

test('bytes sent to a connection the module closed reset it', async () => {
  const { owner, module } = await virtualPair();
  const socket = await owner.connect();
  const conn = module.accept(module.listeners[0]!);
  module.close(conn);
  module.wait(0);
  await settle();
  await socket.writable.getWriter().write(new Uint8Array(1)).then(
    () => assert.unreachable('the write must fail'),
    (error: { code?: string }) => assert.is(error.code, 'ECONNRESET'),
  );
  await owner.close(0);
});

test.run();
