// One socket in several epoll sets: each set reports it on its own; closing
// the socket removes it from every set; closing a set leaves the others.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

test('each set reports the socket with its own events and data', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const a = h.epollCreate();
  const b = h.epollCreate();
  h.epollCtl(a, w.EPOLL_CTL_ADD, fd, w.EPOLLIN | w.EPOLLET, { data1: 1 });
  h.epollCtl(b, w.EPOLL_CTL_ADD, fd, w.EPOLLIN, { data1: 2 });
  c.write('x');
  assert.equal(h.epollWait(a).events.map((e) => e.data.data1), [1]);
  assert.equal(h.epollWait(b).events.map((e) => e.data.data1), [2]);
  assert.is(h.epollWait(a).events.length, 0, 'edge-triggered in a');
  assert.is(h.epollWait(b).events.length, 1, 'level-triggered in b');
});

test('closing the socket removes it from every set; its number can be reused', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const a = h.epollCreate();
  const b = h.epollCreate();
  h.epollCtl(a, w.EPOLL_CTL_ADD, fd, w.EPOLLIN);
  h.epollCtl(b, w.EPOLL_CTL_ADD, fd, w.EPOLLIN);
  c.write('x');
  assert.is(h.wasi.fd_close!(fd), 0);
  assert.is(h.epollWait(a).events.length, 0);
  assert.is(h.epollWait(b).events.length, 0);
  const c2 = h.net.connect()!;
  const again = h.acceptNew();
  assert.is(again, fd);
  assert.is(h.epollCtl(a, w.EPOLL_CTL_DEL, again, 0), w.ERRNO_NOENT, 'the new socket is not registered');
  assert.is(h.epollCtl(a, w.EPOLL_CTL_ADD, again, w.EPOLLIN), 0);
  c2.write('y');
  assert.is(h.epollWait(a).events.length, 1);
});

test('closing one set leaves the socket in the other', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const a = h.epollCreate();
  const b = h.epollCreate();
  h.epollCtl(a, w.EPOLL_CTL_ADD, fd, w.EPOLLIN);
  h.epollCtl(b, w.EPOLL_CTL_ADD, fd, w.EPOLLIN);
  assert.is(h.wasi.fd_close!(a), 0);
  c.write('x');
  assert.is(h.epollWait(b).events.length, 1);
  assert.is(h.epollCtl(b, w.EPOLL_CTL_DEL, fd, 0), 0);
});

test('a registration follows its socket through fd_renumber', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  h.net.connect();
  const fd = h.acceptNew();
  const other = h.acceptNew();
  const ep = h.epollCreate();
  h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN, { data1: 42 });
  assert.is(h.wasi.fd_renumber!(fd, other), 0);
  c.write('x');
  assert.equal(h.epollWait(ep).events.map((e) => e.data.data1), [42]);
  assert.is(h.epollCtl(ep, w.EPOLL_CTL_DEL, other, 0), 0);
});

test.run();
