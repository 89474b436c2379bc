// Virtual network, connection slots: the shared buffer grows as more
// connections exist at once, slots go back once both ends are done, and a
// socket whose slot was taken back cannot disturb the connection now using it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ioList, readAll, settle, virtualPair } from './helpers/virtual-network.js';

test('300 connections at once (the buffer grows), all slots back after, a stale socket stays harmless', async () => {
  const { owner, module } = await virtualPair();
  const sockets = [];
  const handles: number[] = [];
  for (let i = 0; i < 300; i++) {
    sockets.push(await owner.connect());
    handles.push(module.accept(module.listeners[0]!));
  }
  assert.is(new Set(handles).size, 300);
  for (const [i, h] of handles.entries()) {
    assert.is(module.send(h, ioList(new Uint8Array([i & 0xff]))), 1);
    module.close(h);
  }
  module.wait(0);
  for (const [i, s] of sockets.entries()) assert.equal(Array.from(await readAll(s)), [i & 0xff]);
  await settle();
  assert.is(owner.connections, 0);
  const fresh = await owner.connect();
  const h = module.accept(module.listeners[0]!);
  sockets[0]!.close();
  sockets[0]!.reset();
  await settle();
  await fresh.writable.getWriter().write(new TextEncoder().encode('ok'));
  const into = new Uint8Array(8);
  assert.is(module.recv(h, ioList(into), false), 2, 'the new connection is untouched');
  await owner.close(0);
});

test.run();
