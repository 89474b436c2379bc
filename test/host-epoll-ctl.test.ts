// epoll_ctl: ADD/MOD/DEL and every error it answers; the 24-byte data blob
// comes back verbatim.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

test('the data blob is returned byte for byte, whatever it holds', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const ep = h.epollCreate();
  const ptr = h.heap.alloc(w.EPOLL_EVENT_SIZE);
  const blob = Uint8Array.from({ length: 24 }, (_, i) => 0xa0 + i);
  h.heap.bytes().set(blob, ptr + w.EPOLL_DATA_OFFSET);
  h.heap.view().setUint32(ptr, w.EPOLLIN, true);
  assert.is(h.wasix.epoll_ctl!(ep, w.EPOLL_CTL_ADD, fd, ptr), 0);
  c.write('x');
  const out = h.heap.alloc(w.EPOLL_EVENT_SIZE * 4);
  const n = h.heap.alloc(4);
  assert.is(h.wasix.epoll_wait!(ep, out, 4, 0n, n), 0);
  assert.is(h.heap.u32(n), 1);
  assert.equal(h.heap.get(out + w.EPOLL_DATA_OFFSET, 24), blob);
  assert.is(h.heap.u32(out), w.EPOLLIN);
});

test('MOD changes the events and data; DEL stops reports', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const ep = h.epollCreate();
  h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLOUT, { ptr: 1 });
  assert.equal(h.epollWait(ep).events.map((e) => [e.events, e.data.ptr]), [[w.EPOLLOUT, 1]]);
  assert.is(h.epollCtl(ep, w.EPOLL_CTL_MOD, fd, w.EPOLLIN, { ptr: 2 }), 0);
  assert.is(h.epollWait(ep).events.length, 0, 'writable, but OUT no longer asked');
  c.write('x');
  assert.equal(h.epollWait(ep).events.map((e) => [e.events, e.data.ptr]), [[w.EPOLLIN, 2]]);
  assert.is(h.epollCtl(ep, w.EPOLL_CTL_DEL, fd, 0), 0);
  assert.is(h.epollWait(ep).events.length, 0);
});

test('errors: EBADF, EINVAL, EEXIST, ENOENT, ENOTSUP, EFAULT', () => {
  const h = makeHarness();
  h.net.connect();
  const fd = h.acceptNew();
  const ep = h.epollCreate();
  const ctl = (epfd: number, op: number, target: number) => h.epollCtl(epfd, op, target, w.EPOLLIN);
  assert.is(ctl(99, w.EPOLL_CTL_ADD, fd), w.ERRNO_BADF, 'epfd not open');
  assert.is(ctl(ep, w.EPOLL_CTL_ADD, 99), w.ERRNO_BADF, 'fd not open');
  assert.is(ctl(fd, w.EPOLL_CTL_ADD, 3), w.ERRNO_INVAL, 'epfd is not an epoll fd');
  assert.is(ctl(ep, w.EPOLL_CTL_ADD, ep), w.ERRNO_INVAL, 'epfd == fd');
  assert.is(ctl(ep, 3, fd), w.ERRNO_INVAL, 'bad op');
  assert.is(ctl(ep, -1, fd), w.ERRNO_INVAL, 'bad op');
  assert.is(ctl(ep, w.EPOLL_CTL_ADD, 1), w.ERRNO_NOTSUP, 'a runtime fd');
  assert.is(ctl(ep, w.EPOLL_CTL_ADD, h.epollCreate()), w.ERRNO_NOTSUP, 'another epoll fd');
  assert.is(ctl(ep, w.EPOLL_CTL_MOD, fd), w.ERRNO_NOENT);
  assert.is(ctl(ep, w.EPOLL_CTL_DEL, fd), w.ERRNO_NOENT);
  assert.is(ctl(ep, w.EPOLL_CTL_ADD, fd), 0);
  assert.is(ctl(ep, w.EPOLL_CTL_ADD, fd), w.ERRNO_EXIST);
  assert.is(h.wasix.epoll_ctl!(ep, w.EPOLL_CTL_MOD, fd, h.heap.size - 16), w.ERRNO_FAULT);
  assert.is(h.wasix.epoll_ctl!(ep, w.EPOLL_CTL_ADD, 3, -1), w.ERRNO_FAULT);
  assert.is(h.wasix.epoll_ctl!(ep, w.EPOLL_CTL_DEL, fd, -1), 0, 'DEL ignores the event pointer');
});

test('epoll_wait errors: EBADF, EINVAL (not epoll, maxevents <= 0), EFAULT', () => {
  const h = makeHarness();
  const ep = h.epollCreate();
  const out = h.heap.alloc(64);
  const n = h.heap.alloc(4);
  assert.is(h.wasix.epoll_wait!(99, out, 1, 0n, n), w.ERRNO_BADF);
  assert.is(h.wasix.epoll_wait!(3, out, 1, 0n, n), w.ERRNO_INVAL);
  assert.is(h.wasix.epoll_wait!(ep, out, 0, 0n, n), w.ERRNO_INVAL);
  assert.is(h.wasix.epoll_wait!(ep, out, -5, 0n, n), w.ERRNO_INVAL);
  assert.is(h.wasix.epoll_wait!(ep, out, 0x7fffffff, 0n, n), w.ERRNO_FAULT);
  assert.is(h.wasix.epoll_wait!(ep, h.heap.size - 16, 1, 0n, n), w.ERRNO_FAULT);
  assert.is(h.wasix.epoll_wait!(ep, out, 1, 0n, -1), w.ERRNO_FAULT);
  assert.is(h.wasix.epoll_create!(h.heap.size), w.ERRNO_FAULT);
});

test('the epoll fd is an ordinary fd: lowest free number, fdstat, close', () => {
  const h = makeHarness();
  const ep = h.epollCreate();
  assert.is(ep, 5);
  const st = h.fdstat(ep);
  assert.is(st.errno, 0);
  assert.is(st.stat!.filetype, w.FILETYPE_UNKNOWN);
  assert.is(h.read(ep, 4).errno, w.ERRNO_INVAL);
  assert.is(h.wasi.sock_recv!(ep, 0, 0, 0, 0, 0), w.ERRNO_NOTSOCK);
  assert.is(h.wasi.fd_close!(ep), 0);
  assert.is(h.epollWait(ep).errno, w.ERRNO_BADF);
  assert.is(h.epollCreate(), 5);
});

test.run();
