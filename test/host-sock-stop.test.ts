// When the owner stops the module, listeners hang up (the same on every
// transport: the host decides it): a poll or epoll_wait on one reports it
// ready with HUP at once, accept answers ECANCELED. Every other wait works as
// before — on connections and clocks — until the grace ends; no wait fails as
// a whole. A module that keeps going after MAX_STOP_NOTICES is ended
// (ModuleStopped), and so is one that waits with no timeout on nothing but
// hung-up listeners, and, at its next wait, one whose grace is over:
// nothing hangs and nothing spins.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness, NS_PER_MS } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';
import { ERRNO_STOPPED, MAX_STOP_NOTICES, ModuleStopped } from '../ts/host/index.js';

const ended = (e: unknown) => e instanceof ModuleStopped;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

test('the stop errno is not EINTR (which loops retry)', () => {
  assert.is(ERRNO_STOPPED, w.ERRNO_CANCELED);
});

test('a blocking recv asleep when the stop comes goes on waiting: bytes sent during the grace are received', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew(0);
  h.net.after(100, () => h.net.stop());
  h.net.after(300, () => client.write('late'));
  const r = h.recv(fd, 8);
  assert.is(r.errno, 0);
  assert.is(text(r.data), 'late');
  assert.ok(h.host.control.stopRequested);
});

test('a blocking send stuck on a full buffer goes on waiting: room made during the grace lets it finish', () => {
  const h = makeHarness({ net: { bufferSize: 10 } });
  const client = h.net.connect()!;
  const fd = h.acceptNew(0);
  h.send(fd, new Uint8Array(10));
  h.net.after(100, () => h.net.stop());
  h.net.after(300, () => client.read());
  assert.equal(h.send(fd, 'x'), { errno: 0, n: 1 });
});

test('the end of the grace ends a module asleep in a blocking recv, and every later wait', () => {
  const h = makeHarness();
  h.net.connect();
  const fd = h.acceptNew(0);
  h.net.after(100, () => h.net.stop());
  h.net.after(2100, () => h.net.requestEnd());
  assert.throws(() => h.recv(fd, 8), ended);
  assert.throws(() => h.poll([{ tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: 10n * NS_PER_MS }]), ended);
});

test('a blocking accept loop that retries every error (Rust listener.incoming()) is ended after MAX_STOP_NOTICES', () => {
  const h = makeHarness({ host: { blockingListeners: true } });
  h.net.after(100, () => h.net.stop());
  for (let i = 0; i < MAX_STOP_NOTICES; i++) assert.is(h.accept(3).errno, w.ERRNO_CANCELED);
  assert.throws(() => h.accept(3), ended);
});

test('poll_oneoff with no timeout: the stopped listener is readable with HANGUP, no error; accept says ECANCELED', () => {
  const h = makeHarness();
  h.net.after(100, () => h.net.stop());
  const r = h.poll([{ tag: w.EVENTTYPE_FD_READ, fd: 3 }]);
  assert.is(r.errno, 0);
  assert.is(r.events.length, 1);
  assert.is(r.events[0]!.error, 0);
  assert.is(r.events[0]!.flags, w.EVENTRWFLAGS_FD_READWRITE_HANGUP);
  assert.is(h.accept(3).errno, w.ERRNO_CANCELED);
});

test('poll_oneoff during a stop on a connection, or on a clock, sleeps as before and never fails', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew();
  h.net.stop();
  const start = h.net.now();
  const slept = h.poll([{ tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: 300n * NS_PER_MS }]);
  assert.is(slept.errno, 0);
  assert.equal(slept.events.map((e) => e.type), [w.EVENTTYPE_CLOCK]);
  assert.ok(h.net.now() - start >= 300, 'slept its 300 ms');
  h.net.after(200, () => client.write('request'));
  const read = h.poll([{ tag: w.EVENTTYPE_FD_READ, fd }]);
  assert.is(read.errno, 0);
  assert.equal(read.events.map((e) => [e.type, Number(e.nbytes)]), [[w.EVENTTYPE_FD_READ, 7]]);
});

test('a loop that keeps polling the stopped listener without accepting is ended after MAX_STOP_NOTICES', () => {
  const h = makeHarness();
  h.net.stop();
  const poll = () => h.poll([{ tag: w.EVENTTYPE_FD_READ, fd: 3 }]);
  for (let i = 0; i < MAX_STOP_NOTICES; i++) assert.is(poll().events.length, 1);
  assert.throws(poll, ended);
});

test('epoll_wait: the listener reports IN|HUP (no ERR), as on every transport', () => {
  const h = makeHarness();
  const ep = h.epollCreate();
  assert.is(h.epollCtl(ep, w.EPOLL_CTL_ADD, 3, w.EPOLLIN), 0);
  h.net.after(100, () => h.net.stop());
  const r = h.epollWait(ep, 8, -1n);
  assert.is(r.errno, 0);
  assert.is(r.events.length, 1);
  assert.is(r.events[0]!.events & (w.EPOLLIN | w.EPOLLHUP | w.EPOLLERR), w.EPOLLIN | w.EPOLLHUP);
});

test('epoll_wait with no timeout on nothing but hung-up listeners (an edge already reported, or an empty set) ends the module at once', () => {
  const h = makeHarness();
  const edge = h.epollCreate();
  assert.is(h.epollCtl(edge, w.EPOLL_CTL_ADD, 3, w.EPOLLIN | w.EPOLLET), 0);
  h.net.stop();
  assert.is(h.epollWait(edge, 8, -1n).events.length, 1, 'the hangup, once');
  assert.throws(() => h.epollWait(edge, 8, -1n), ended);
  const empty = makeHarness();
  const idle = empty.epollCreate();
  empty.net.stop();
  assert.throws(() => empty.epollWait(idle, 8, -1n), ended);
});

test('a stop first seen as a wait on nothing but listeners is about to sleep is news: the caller looks again first', () => {
  const h = makeHarness();
  // Requested after the caller looked (no wake-up yet: it is on its way).
  h.net.control.requestStop();
  const watched = { onlyListeners: true };
  h.host.waiting.sleep(-1, watched);
  assert.ok(h.host.waiting.stopping);
  assert.throws(() => h.host.waiting.sleep(-1, watched), ended);
});

test('outside a stop a wait never asks what it watches (a scan of the epoll set per wait)', () => {
  const h = makeHarness();
  let asked = 0;
  const watched = {
    get onlyListeners() {
      asked++;
      return true;
    },
  };
  h.net.after(50, () => h.net.connect());
  h.host.waiting.sleep(-1, watched);
  assert.is(asked, 0);
  h.net.stop();
  h.host.waiting.sleep(-1, watched); // the stop, first seen: news for the caller's next look
  assert.throws(() => h.host.waiting.sleep(-1, watched), ended);
  assert.ok(asked > 0, 'asked during the stop');
});

test('epoll_wait during a stop with a timeout, or with a connection registered, sleeps as before', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew();
  const ep = h.epollCreate();
  assert.is(h.epollCtl(ep, w.EPOLL_CTL_ADD, 3, w.EPOLLIN | w.EPOLLET), 0);
  h.net.stop();
  assert.is(h.epollWait(ep, 8, -1n).events.length, 1, 'the hangup, once');
  const start = h.net.now();
  assert.equal(h.epollWait(ep, 8, 200n * NS_PER_MS), { errno: 0, events: [] });
  assert.ok(h.net.now() - start >= 200, 'slept its 200 ms');
  assert.is(h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN), 0);
  h.net.after(100, () => client.write('x'));
  const r = h.epollWait(ep, 8, -1n);
  assert.is(r.errno, 0);
  assert.equal(r.events.map((e) => e.data.fd), [fd]);
});

test('a nonblocking spin on the stopped listener is ended after MAX_STOP_NOTICES', () => {
  const h = makeHarness();
  h.net.stop();
  for (let i = 0; i < MAX_STOP_NOTICES; i++) assert.is(h.accept(3).errno, w.ERRNO_CANCELED);
  assert.throws(() => h.accept(3), ended);
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
