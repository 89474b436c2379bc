// A socket without FDFLAGS_NONBLOCK blocks in accept, recv, send, fd_read and
// fd_write until the call can complete; with it, they answer EAGAIN.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness, text } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

test('blocking accept waits for a connection; nonblocking answers EAGAIN', () => {
  const h = makeHarness();
  assert.is(h.wasi.fd_fdstat_set_flags!(3, w.FDFLAGS_NONBLOCK), 0);
  assert.is(h.accept(3).errno, w.ERRNO_AGAIN);
  assert.is(h.wasi.fd_fdstat_set_flags!(3, 0), 0);
  h.net.after(250, () => h.net.connect());
  const before = h.net.now();
  const { errno, fd } = h.accept(3);
  assert.is(errno, 0);
  assert.is(fd, 5, 'lowest free fd after stdio, the listener and the preopen');
  assert.is(h.net.now() - before, 250, 'woke when the connection came, not before');
  assert.ok(h.net.counters.wait <= 3, `slept, did not spin: ${h.net.counters.wait} waits`);
});

test('accept flags: the new fd gets NONBLOCK only when asked; other flags are EINVAL', () => {
  const h = makeHarness();
  h.net.connect();
  h.net.connect();
  assert.is(h.accept(3, w.FDFLAGS_APPEND).errno, w.ERRNO_INVAL);
  const a = h.accept(3, w.FDFLAGS_NONBLOCK).fd;
  const b = h.accept(3, 0).fd;
  assert.is(h.fdstat(a).stat!.flags, w.FDFLAGS_NONBLOCK);
  assert.is(h.fdstat(b).stat!.flags, 0);
});

test('blocking recv waits for data; nonblocking answers EAGAIN', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const nb = h.acceptNew(w.FDFLAGS_NONBLOCK);
  assert.is(h.recv(nb, 16).errno, w.ERRNO_AGAIN);
  assert.is(h.read(nb, 16).errno, w.ERRNO_AGAIN);
  assert.is(h.wasi.fd_fdstat_set_flags!(nb, 0), 0, 'clearing NONBLOCK makes it blocking');
  h.net.after(100, () => client.write('hello'));
  const r = h.recv(nb, 16);
  assert.is(r.errno, 0);
  assert.is(text(r.data), 'hello');
  h.net.after(100, () => client.write('again'));
  const f = h.read(nb, 16);
  assert.is(f.errno, 0);
  assert.is(text(f.data), 'again');
});

test('blocking send queues everything, waiting while the peer drains; nonblocking sends what fits', () => {
  const h = makeHarness({ net: { bufferSize: 1000 } });
  const client = h.net.connect()!;
  const fd = h.acceptNew(0);
  const payload = new Uint8Array(3500).map((_, i) => i & 0xff);
  const received: number[] = [];
  const drain = () => {
    received.push(...client.read());
    if (received.length < payload.length) h.net.after(10, drain);
  };
  h.net.after(10, drain);
  const r = h.send(fd, payload);
  assert.is(r.errno, 0);
  assert.is(r.n, payload.length, 'a blocking send returns only when all is queued');
  received.push(...client.read());
  assert.equal(Uint8Array.from(received), payload);

  assert.is(h.wasi.fd_fdstat_set_flags!(fd, w.FDFLAGS_NONBLOCK), 0);
  assert.is(h.send(fd, payload).n, 1000, 'nonblocking: what fits');
  assert.is(h.send(fd, 'x').errno, w.ERRNO_AGAIN);
  assert.is(h.write(fd, 'x').errno, w.ERRNO_AGAIN);
  client.read(10);
  assert.is(h.write(fd, 'abcdefghijkl').n, 10);
});

test.run();
