// Virtual network, connection slots: the shared buffer grows as more
// connections exist at once, slots go back once both ends are done (however
// the connection ended), and a
// socket whose slot was taken back cannot disturb the connection now using
// it. All slots fit in one shared buffer: large rings lower the default
// count, and a count that cannot fit is refused with what to change.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_CONNRESET } from '../ts/wasi/defs.js';
import { ControlBlock } from '../ts/transport/control-block.js';
import { MAX_NETWORK_BYTES } from '../ts/transport/virtual/layout.js';
import { VirtualOwner } from '../ts/transport/virtual/owner.js';
import { ioList } from './helpers/transport-contract/calls.js';
import { letOwnerRun, readAll, virtualPair } from './helpers/virtual-network.js';

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
    assert.is(module.send(h, ioList(new Uint8Array([i & 0xff]), [0, 1])), 1);
    module.close(h);
  }
  module.wait(0);
  for (const [i, s] of sockets.entries()) assert.equal(Array.from(await readAll(s)), [i & 0xff]);
  await letOwnerRun();
  assert.is(owner.connections, 0);
  const fresh = await owner.connect();
  const h = module.accept(module.listeners[0]!);
  sockets[0]!.close();
  sockets[0]!.reset();
  await letOwnerRun();
  await fresh.writable.getWriter().write(new TextEncoder().encode('ok'));
  const into = new Uint8Array(8);
  assert.is(module.recv(h, ioList(into, [0, into.length]), false), 2, 'the new connection is untouched');
  await owner.close(0);
});

test('every way a connection ends gives its slot back', async () => {
  const { owner, module } = await virtualPair();
  const listener = module.listeners[0]!;
  const ended = (what: string) => (error: { code?: string }) => assert.is(error.code, 'ECONNRESET', what);

  // The module closes with input unread: reset.
  const unread = await owner.connect();
  const a = module.accept(listener);
  await unread.writable.getWriter().write(new TextEncoder().encode('never read'));
  module.close(a);
  module.wait(0);
  await readAll(unread).then(() => assert.unreachable('reset, not EOF'), ended('closed with input unread'));

  // The client resets; the module closes after it saw the error.
  const resetting = await owner.connect();
  const b = module.accept(listener);
  resetting.reset();
  await letOwnerRun();
  assert.is(module.recv(b, ioList(new Uint8Array(8), [0, 8]), false), -ERRNO_CONNRESET, 'the module sees the reset');
  module.close(b);

  // The client closes; the module reads the bytes and EOF, then closes.
  const closing = await owner.connect();
  const c = module.accept(listener);
  await closing.writable.getWriter().write(new TextEncoder().encode('bye'));
  closing.close();
  await letOwnerRun();
  assert.is(module.recv(c, ioList(new Uint8Array(8), [0, 8]), false), 3);
  assert.is(module.recv(c, ioList(new Uint8Array(8), [0, 8]), false), 0);
  module.close(c);

  // Connections still waiting when the listener closes: reset.
  const waiting = [await owner.connect(), await owner.connect()];
  module.close(listener);
  module.wait(0);
  for (const socket of waiting) await readAll(socket).then(() => assert.unreachable('reset, not EOF'), ended('waiting on a closed listener'));

  module.wait(0);
  await letOwnerRun();
  assert.is(owner.connections, 0, 'slots still held');
  await owner.close(0);
});

test('large rings: the default count of connections shrinks to fit one buffer; a count that cannot fit is a RangeError', async () => {
  const control = new ControlBlock();
  const listen = [{ host: '127.0.0.1', port: 0 }];
  const limits = { inbound: 128 * 1024, outbound: 128 * 1024 };
  const owner = await VirtualOwner.open({ listen, control, limits });
  const { slots } = owner.shared.layout.shape;
  assert.ok(slots > 16_000 && slots < 16_384, `default slots with 128 KiB rings: ${slots}`);
  assert.ok(owner.shared.layout.bytesFor(slots) <= MAX_NETWORK_BYTES);
  await owner.connect();
  await owner.close(0);

  await VirtualOwner.open({ listen, control, limits, connections: 16_384 }).then(
    () => assert.unreachable('16384 connections of 256 KiB each do not fit in one shared buffer'),
    (error: Error) => {
      assert.instance(error, RangeError);
      assert.match(error.message, /16384 connections with rings of 131072 \+ 131072 bytes/);
      assert.match(error.message, /allow fewer connections or smaller inbound\/outbound limits/);
    },
  );
});

test.run();
