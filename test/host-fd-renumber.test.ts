// fd_renumber works across the whole table: sockets onto runtime fds and
// back; the replaced descriptor is closed wherever it lives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness, text } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

test('a socket renumbered onto stdout: writes go to the peer, the runtime closed its fd 1', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const sock = h.acceptNew();
  assert.is(h.wasi.fd_renumber!(sock, 1), 0);
  assert.is(h.runtime.fds.has(1), false);
  assert.is(h.write(1, 'via fd 1').n, 8);
  assert.is(text(c.read()), 'via fd 1');
  assert.is(h.fdstat(sock).errno, w.ERRNO_BADF, 'the old number is free');
  assert.is(h.fdstat(1).stat!.filetype, w.FILETYPE_SOCKET_STREAM);
});

test('a runtime fd renumbered onto a socket closes the connection; the runtime sees its own numbers', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const sock = h.acceptNew();
  const p = h.heap.put('f.txt');
  const out = h.heap.alloc(4);
  h.wasi.path_open!(4, 0, p, 5, 0, 0n, 0n, 0, out);
  const file = h.heap.u32(out);
  assert.is(h.wasi.fd_renumber!(file, sock), 0);
  assert.ok(c.serverClosed, 'the socket was closed');
  assert.is(h.host.control.stats().closed, 1);
  assert.is(text(h.read(sock, 64).data), 'content of f.txt');
  assert.equal(h.runtime.callsTo('fd_read').map((a) => a[0]), [4]);
});

test('renumbering onto a free fd or from a free fd is EBADF; onto itself is a no-op', () => {
  const h = makeHarness();
  h.net.connect();
  const sock = h.acceptNew();
  assert.is(h.wasi.fd_renumber!(sock, 50), w.ERRNO_BADF);
  assert.is(h.wasi.fd_renumber!(50, sock), w.ERRNO_BADF);
  assert.is(h.wasi.fd_renumber!(sock, sock), 0);
  assert.is(h.fdstat(sock).stat!.filetype, w.FILETYPE_SOCKET_STREAM);
  assert.is(h.wasi.fd_renumber!(-1, sock), w.ERRNO_BADF);
});

test('after renumbering, new fds still take the lowest free number', () => {
  const h = makeHarness();
  for (let i = 0; i < 3; i++) h.net.connect();
  const a = h.acceptNew();
  const b = h.acceptNew();
  assert.equal([a, b], [5, 6]);
  assert.is(h.wasi.fd_renumber!(b, a), 0);
  assert.is(h.acceptNew(), 6);
});

test.run();
