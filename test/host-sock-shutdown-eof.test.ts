// The peer's FIN is EOF after the buffered data; sock_shutdown(RD/WR) acts like
// shutdown(2): reads then see EOF, writes fail with EPIPE, the peer sees EOF.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness, text } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

test('peer FIN: buffered data first, then 0 (EOF) every time, on blocking and nonblocking sockets', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew(0);
  client.write('last words');
  client.end();
  assert.is(text(h.recv(fd, 64).data), 'last words');
  for (let i = 0; i < 2; i++) {
    const r = h.recv(fd, 64);
    assert.is(r.errno, 0);
    assert.is(r.data.length, 0);
  }
  assert.is(h.read(fd, 8).data.length, 0, 'fd_read sees EOF too');
  assert.is(h.send(fd, 'still writable after a half-close').errno, 0);
  assert.is(text(client.read()), 'still writable after a half-close');
});

test('shutdown WR: the peer reads the data then EOF; our sends fail with EPIPE', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew();
  h.send(fd, 'bye');
  assert.is(h.wasi.sock_shutdown!(fd, w.SDFLAGS_WR), 0);
  assert.is(text(client.read()), 'bye');
  assert.ok(client.eof);
  assert.is(h.send(fd, 'more').errno, w.ERRNO_PIPE);
  client.write('reply');
  assert.is(text(h.recv(fd, 16).data), 'reply', 'the reading side still works');
});

test('shutdown RD: reads return EOF at once, even with data in flight', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew(0);
  client.write('ignored');
  assert.is(h.wasi.sock_shutdown!(fd, w.SDFLAGS_RD), 0);
  const r = h.recv(fd, 16);
  assert.is(r.errno, 0);
  assert.is(r.data.length, 0);
});

test('shutdown how: 0 or unknown bits are EINVAL; a listener is ENOTCONN; a runtime fd ENOTSOCK', () => {
  const h = makeHarness();
  h.net.connect();
  const fd = h.acceptNew();
  assert.is(h.wasi.sock_shutdown!(fd, 0), w.ERRNO_INVAL);
  assert.is(h.wasi.sock_shutdown!(fd, 4), w.ERRNO_INVAL);
  assert.is(h.wasi.sock_shutdown!(3, w.SDFLAGS_RD), w.ERRNO_NOTCONN);
  assert.is(h.wasi.sock_shutdown!(1, w.SDFLAGS_RD), w.ERRNO_NOTSOCK);
  assert.is(h.wasi.sock_shutdown!(99, w.SDFLAGS_RD), w.ERRNO_BADF);
  assert.is(h.wasi.sock_shutdown!(fd, w.SDFLAGS_RD | w.SDFLAGS_WR), 0);
});

test('fd_close: the peer still gets what was sent, then EOF; the fd number is free again', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew();
  h.send(fd, 'flushed on close');
  assert.is(h.wasi.fd_close!(fd), 0);
  assert.is(h.wasi.fd_close!(fd), w.ERRNO_BADF);
  assert.is(text(client.read()), 'flushed on close');
  assert.ok(client.eof);
  assert.ok(client.serverClosed);
  assert.is(h.recv(fd, 4).errno, w.ERRNO_BADF);
  h.net.connect();
  assert.is(h.acceptNew(), fd, 'lowest free number reused');
});

test.run();
