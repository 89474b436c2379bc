// sock_recv: RECV_PEEK leaves the bytes, RECV_WAITALL fills the buffer,
// scatter over several iovecs, roflags out is 0; other riflags are EINVAL.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness, text } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

test('PEEK returns the bytes and leaves them for the next recv', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew();
  client.write('peekaboo');
  const peeked = h.recv(fd, 4, w.RIFLAGS_RECV_PEEK);
  assert.is(text(peeked.data), 'peek');
  assert.is(peeked.roflags, 0);
  assert.is(text(h.recv(fd, 64).data), 'peekaboo');
  assert.is(h.host.control.stats().bytesIn, 8, 'peeked bytes are not counted twice');
});

test('WAITALL on a blocking socket gathers until the buffer is full', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew(0);
  client.write('ab');
  h.net.after(10, () => client.write('cd'));
  h.net.after(20, () => client.write('efgh'));
  const r = h.recv(fd, [3, 3], w.RIFLAGS_RECV_WAITALL);
  assert.is(r.errno, 0);
  assert.is(text(r.data), 'abcdef', 'scattered over two iovecs');
  assert.is(text(h.recv(fd, 8).data), 'gh');
});

test('WAITALL stops early at EOF with what it has', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew(0);
  client.write('abc');
  h.net.after(10, () => client.end());
  assert.is(text(h.recv(fd, 10, w.RIFLAGS_RECV_WAITALL).data), 'abc');
  assert.is(h.recv(fd, 10).data.length, 0, 'then EOF');
});

test('PEEK|WAITALL waits until the whole request is buffered, and consumes nothing', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew(0);
  client.write('12');
  h.net.after(30, () => client.write('345'));
  const r = h.recv(fd, 4, w.RIFLAGS_RECV_PEEK | w.RIFLAGS_RECV_WAITALL);
  assert.is(text(r.data), '1234');
  assert.is(h.net.now(), 30);
  assert.is(text(h.recv(fd, 8).data), '12345');
});

test('WAITALL on a nonblocking socket returns what is there', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew(w.FDFLAGS_NONBLOCK);
  client.write('xy');
  assert.is(text(h.recv(fd, 10, w.RIFLAGS_RECV_WAITALL).data), 'xy');
});

test('unknown riflags, and nonzero siflags, are EINVAL', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew();
  client.write('data');
  assert.is(h.recv(fd, 4, 4).errno, w.ERRNO_INVAL);
  assert.is(h.recv(fd, 4, 0x8000).errno, w.ERRNO_INVAL);
  assert.is(h.send(fd, 'x', 1).errno, w.ERRNO_INVAL);
  assert.is(text(h.recv(fd, 4).data), 'data', 'the rejected call consumed nothing');
});

test('a zero-length recv or send returns 0 at once, even on a blocking socket', () => {
  const h = makeHarness();
  h.net.connect();
  const fd = h.acceptNew(0);
  const r = h.recv(fd, 0);
  assert.is(r.errno, 0);
  assert.is(r.data.length, 0);
  assert.is(h.send(fd, '').n, 0);
});

test.run();
