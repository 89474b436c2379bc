// An RST from the peer: the next recv or send fails with ECONNRESET (once,
// like SO_ERROR), afterwards reads see EOF and sends EPIPE.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

test('recv after RST: the bytes sent before it, then ECONNRESET, then EOF; send: EPIPE', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew(0);
  client.write('kept');
  client.reset();
  assert.is(new TextDecoder().decode(h.recv(fd, 16).data), 'kept');
  assert.is(h.recv(fd, 16).errno, w.ERRNO_CONNRESET);
  const again = h.recv(fd, 16);
  assert.is(again.errno, 0);
  assert.is(again.data.length, 0);
  assert.is(h.send(fd, 'x').errno, w.ERRNO_PIPE);
});

test('a blocking recv waiting for data is woken by the RST', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew(0);
  h.net.after(50, () => client.reset());
  assert.is(h.read(fd, 16).errno, w.ERRNO_CONNRESET);
});

test('send after RST: ECONNRESET first', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew();
  client.reset();
  assert.is(h.write(fd, 'x').errno, w.ERRNO_CONNRESET);
  assert.is(h.write(fd, 'x').errno, w.ERRNO_PIPE);
});

test('a blocking send stuck on a full buffer returns the error when the peer resets', () => {
  const h = makeHarness({ net: { bufferSize: 100 } });
  const client = h.net.connect()!;
  const fd = h.acceptNew(0);
  h.net.after(20, () => client.reset());
  const r = h.send(fd, new Uint8Array(150));
  assert.is(r.errno, 0, 'bytes were queued before the reset: a short count, not an error');
  assert.is(r.n, 100);
  // As Linux: the partial count was the answer, the error went with it; the connection is dead.
  assert.is(h.send(fd, 'x').errno, w.ERRNO_PIPE);
});

test.run();
