// Virtual network, backpressure both ways: the rings are the only buffers.
// A module that does not read holds at most the inbound ring and the client's
// write waits; a client that does not read stops the module's sends (EAGAIN,
// not writable) until it reads, and then the module is told.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_AGAIN } from '../ts/wasi/defs.js';
import { WRITABLE } from '../ts/transport/types.js';
import { ioList, readExactly, settle, virtualPair } from './helpers/virtual-network.js';

test('inbound: a module that never reads holds one ring; the client write waits, then completes as it reads', async () => {
  const { owner, module } = await virtualPair({ inbound: 4096 });
  const socket = await owner.connect();
  const conn = module.accept(module.listeners[0]!);
  assert.ok(conn > 0);
  let written = false;
  const write = socket.writable.getWriter().write(new Uint8Array(64 * 1024).fill(3)).then(() => (written = true));
  await settle();
  assert.is(module.readable(conn), 4096, 'the ring is full, no more');
  assert.not.ok(written, 'the client is held back');
  const into = new Uint8Array(8192);
  let got = 0;
  for (let rounds = 0; rounds < 200 && got < 64 * 1024; rounds++) {
    const n = module.recv(conn, ioList(into), false);
    if (n > 0) got += n;
    else await settle();
  }
  await write;
  assert.is(got, 64 * 1024);
  await owner.close(0);
});

test('outbound: sends stop at the ring (EAGAIN, no POLLOUT); the client reading makes room and reports it', async () => {
  const { owner, module } = await virtualPair({ outbound: 4096 });
  const socket = await owner.connect();
  const conn = module.accept(module.listeners[0]!);
  const changed: number[] = [];
  module.onChange = (h) => changed.push(h);
  const data = new Uint8Array(10_000).map((_, i) => i & 0xff);
  let sent = 0;
  for (;;) {
    const n = module.send(conn, ioList(data.subarray(sent)));
    if (n === -ERRNO_AGAIN) break;
    assert.ok(n > 0);
    sent += n;
  }
  assert.is(sent, 4096, 'exactly the ring');
  assert.is(module.poll(conn) & WRITABLE, 0, 'not writable while the ring is full');
  module.wait(0); // tells the owner
  const first = await readExactly(socket, 4096);
  assert.equal(Array.from(first.subarray(0, 4)), [0, 1, 2, 3]);
  await settle();
  module.wait(0);
  assert.ok(changed.includes(conn), 'the module was told the connection changed');
  assert.ok(module.poll(conn) & WRITABLE, 'writable again');
  assert.is(module.send(conn, ioList(data.subarray(sent))), 4096);
  await owner.close(0);
});

test.run();
