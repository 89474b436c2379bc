// The counters the facade reads: accepted, closed, bytesIn, bytesOut, open.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

test('counts accepted and closed connections and the bytes each way', () => {
  const h = makeHarness();
  const a = h.net.connect()!;
  const b = h.net.connect()!;
  const fa = h.acceptNew();
  const fb = h.acceptNew();
  a.write('12345');
  b.write('678');
  h.recv(fa, 2);
  h.read(fa, 10);
  h.recv(fb, 10, w.RIFLAGS_RECV_PEEK);
  h.send(fb, 'abcd');
  h.write(fa, 'ef');
  assert.equal(h.host.control.stats(), { accepted: 2, refused: 0, connected: 0, closed: 0, bytesIn: 5, bytesOut: 6, open: 2, denied: 0 });
  h.wasi.fd_close!(fa);
  assert.equal(h.host.control.stats(), { accepted: 2, refused: 0, connected: 0, closed: 1, bytesIn: 5, bytesOut: 6, open: 1, denied: 0 });
  h.wasi.fd_close!(3);
  assert.is(h.host.control.stats().closed, 1, 'a listener is not a connection');
});

test('a send that fails counts no bytes out, and one that is refused for room counts none either', () => {
  const h = makeHarness({ net: { bufferSize: 4 } });
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  assert.is(h.send(fd, 'abcdef').n, 4, 'what fits');
  assert.is(h.send(fd, 'gh').errno, w.ERRNO_AGAIN);
  c.reset();
  assert.is(h.send(fd, 'ij').errno, w.ERRNO_CONNRESET);
  assert.is(h.send(fd, 'kl').errno, w.ERRNO_PIPE);
  assert.is(h.host.control.stats().bytesOut, 4);
});

test('closeSockets releases every socket and epoll set, and leaves runtime fds alone', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  h.acceptNew();
  h.net.connect();
  h.epollCreate();
  h.host.closeSockets();
  assert.is(h.net.openHandles, 0, 'listener, accepted and pending connections all closed');
  assert.ok(c.serverClosed);
  assert.equal(h.host.control.stats().open, 0);
  assert.is(h.fdstat(1).errno, 0);
  assert.is(h.fdstat(3).errno, w.ERRNO_BADF);
});

test.run();
