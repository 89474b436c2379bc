// When the owner stops the module, listeners hang up (the same on every
// transport: the host decides it), accept and any call that would sleep answer
// ECANCELED, and a module that keeps going after MAX_STOP_NOTICES is ended
// (ModuleStopped): nothing hangs and nothing spins.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness, NS_PER_MS } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';
import { ERRNO_STOPPED, MAX_STOP_NOTICES, ModuleStopped } from '../ts/host/index.js';

test('the stop errno is not EINTR (which loops retry)', () => {
  assert.is(ERRNO_STOPPED, w.ERRNO_CANCELED);
});

test('a blocking recv asleep when the stop comes returns ECANCELED', () => {
  const h = makeHarness();
  h.net.connect();
  const fd = h.acceptNew(0);
  h.net.after(100, () => h.net.stop());
  assert.is(h.recv(fd, 8).errno, w.ERRNO_CANCELED);
});

test('a blocking send stuck on a full buffer returns ECANCELED', () => {
  const h = makeHarness({ net: { bufferSize: 10 } });
  h.net.connect();
  const fd = h.acceptNew(0);
  h.send(fd, new Uint8Array(10));
  h.net.after(100, () => h.net.stop());
  assert.is(h.send(fd, 'x').errno, w.ERRNO_CANCELED);
});

test('a blocking accept loop that retries every error (Rust listener.incoming()) is ended after MAX_STOP_NOTICES', () => {
  const h = makeHarness();
  h.net.after(100, () => h.net.stop());
  for (let i = 0; i < MAX_STOP_NOTICES; i++) assert.is(h.accept(3).errno, w.ERRNO_CANCELED);
  assert.throws(() => h.accept(3), (e: unknown) => e instanceof ModuleStopped);
});

test('poll_oneoff with no timeout: the stopped listener is readable with HANGUP, no error; a nonblocking accept says ECANCELED', () => {
  const h = makeHarness();
  assert.is(h.wasi.fd_fdstat_set_flags!(3, w.FDFLAGS_NONBLOCK), 0);
  h.net.after(100, () => h.net.stop());
  const r = h.poll([{ tag: w.EVENTTYPE_FD_READ, fd: 3 }]);
  assert.is(r.errno, 0);
  assert.is(r.events.length, 1);
  assert.is(r.events[0]!.error, 0);
  assert.is(r.events[0]!.flags, w.EVENTRWFLAGS_FD_READWRITE_HANGUP);
  assert.is(h.accept(3).errno, w.ERRNO_CANCELED);
});

test('poll_oneoff on connections only, or a long sleep: ECANCELED', () => {
  const h = makeHarness();
  h.net.connect();
  const fd = h.acceptNew();
  h.net.after(100, () => h.net.stop());
  assert.is(h.poll([{ tag: w.EVENTTYPE_FD_READ, fd }]).errno, w.ERRNO_CANCELED);
  assert.is(h.poll([{ tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: 3600_000n * NS_PER_MS }]).errno, w.ERRNO_CANCELED);
});

test('a loop that keeps polling the stopped listener without accepting is ended after MAX_STOP_NOTICES', () => {
  const h = makeHarness();
  h.net.stop();
  const poll = () => h.poll([{ tag: w.EVENTTYPE_FD_READ, fd: 3 }]);
  for (let i = 0; i < MAX_STOP_NOTICES; i++) assert.is(poll().events.length, 1);
  assert.throws(poll, (e: unknown) => e instanceof ModuleStopped);
});

test('epoll_wait: the listener reports IN|HUP (no ERR), as on every transport; with nothing registered, ECANCELED', () => {
  const h = makeHarness();
  const ep = h.epollCreate();
  const idle = h.epollCreate();
  assert.is(h.epollCtl(ep, w.EPOLL_CTL_ADD, 3, w.EPOLLIN), 0);
  h.net.after(100, () => h.net.stop());
  const r = h.epollWait(ep, 8, -1n);
  assert.is(r.errno, 0);
  assert.is(r.events.length, 1);
  assert.is(r.events[0]!.events & (w.EPOLLIN | w.EPOLLHUP | w.EPOLLERR), w.EPOLLIN | w.EPOLLHUP);
  assert.is(h.epollWait(idle, 8, -1n).errno, w.ERRNO_CANCELED);
});

test('a nonblocking spin on the stopped listener is ended after MAX_STOP_NOTICES', () => {
  const h = makeHarness();
  assert.is(h.wasi.fd_fdstat_set_flags!(3, w.FDFLAGS_NONBLOCK), 0);
  h.net.stop();
  for (let i = 0; i < MAX_STOP_NOTICES; i++) assert.is(h.accept(3).errno, w.ERRNO_CANCELED);
  assert.throws(() => h.accept(3), (e: unknown) => e instanceof ModuleStopped);
});

test('a module still busy with its connections after the stop is not counted as ignoring it', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew();
  h.net.stop();
  for (let i = 0; i < 3 * MAX_STOP_NOTICES; i++) {
    client.write('more');
    const r = h.poll([{ tag: w.EVENTTYPE_FD_READ, fd }, { tag: w.EVENTTYPE_FD_READ, fd: 3 }]);
    assert.is(r.events.length, 2);
    assert.is(h.recv(fd, 16).errno, 0);
  }
});

test('the stop is seen by a nonblocking module that only polls with a timeout', () => {
  const h = makeHarness();
  h.net.connect();
  h.acceptNew();
  h.net.stop();
  const r = h.poll([
    { tag: w.EVENTTYPE_FD_READ, fd: 3 },
    { tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: 10n * NS_PER_MS },
  ]);
  assert.is(r.events.length, 1);
  assert.is(r.events[0]!.flags, w.EVENTRWFLAGS_FD_READWRITE_HANGUP);
});

test.run();
