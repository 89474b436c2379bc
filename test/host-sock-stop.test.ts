// When the owner stops the module (transport.stopping), every blocking call
// returns ECANCELED instead of waiting on: nothing hangs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness, NS_PER_MS } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';
import { ERRNO_STOPPED } from '../ts/host/index.js';

test('the stop errno is not EINTR (which loops retry)', () => {
  assert.is(ERRNO_STOPPED, w.ERRNO_CANCELED);
});

test('blocking accept, recv and send return when the module is asked to stop', () => {
  const h = makeHarness({ net: { bufferSize: 10 } });
  h.net.connect();
  const fd = h.acceptNew(0);
  h.send(fd, new Uint8Array(10));
  h.net.after(100, () => h.net.stop());
  assert.is(h.recv(fd, 8).errno, w.ERRNO_CANCELED);
  assert.is(h.send(fd, 'x').errno, w.ERRNO_CANCELED);
  assert.is(h.accept(3).errno, w.ERRNO_CANCELED);
});

test('poll_oneoff with no timeout: the stopped listener hangs up, and accept says ECANCELED', () => {
  const h = makeHarness();
  h.net.after(100, () => h.net.stop());
  const r = h.poll([{ tag: w.EVENTTYPE_FD_READ, fd: 3 }]);
  assert.is(r.errno, 0);
  assert.is(r.events.length, 1);
  assert.is(r.events[0]!.error, 0);
  assert.is(r.events[0]!.flags, w.EVENTRWFLAGS_FD_READWRITE_HANGUP);
  assert.is(h.accept(3).errno, w.ERRNO_CANCELED);
});

test('poll_oneoff on connections only, and a long sleep, return ECANCELED', () => {
  const h = makeHarness();
  h.net.connect();
  const fd = h.acceptNew();
  h.net.after(100, () => h.net.stop());
  assert.is(h.poll([{ tag: w.EVENTTYPE_FD_READ, fd }]).errno, w.ERRNO_CANCELED);
  assert.is(h.poll([{ tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: 3600_000n * NS_PER_MS }]).errno, w.ERRNO_CANCELED);
});

test('epoll_wait: the listener reports ERR|HUP; with nothing registered, ECANCELED', () => {
  const h = makeHarness();
  const ep = h.epollCreate();
  const idle = h.epollCreate();
  assert.is(h.epollCtl(ep, w.EPOLL_CTL_ADD, 3, w.EPOLLIN), 0);
  h.net.after(100, () => h.net.stop());
  const r = h.epollWait(ep, 8, -1n);
  assert.is(r.errno, 0);
  assert.is(r.events.length, 1);
  assert.is(r.events[0]!.events & (w.EPOLLERR | w.EPOLLHUP), w.EPOLLERR | w.EPOLLHUP);
  assert.is(h.epollWait(idle, 8, -1n).errno, w.ERRNO_CANCELED);
});

test.run();
