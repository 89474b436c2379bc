// Level-triggered epoll: a ready socket is reported on every epoll_wait while
// it stays ready; with more ready sockets than maxevents, each gets its turn.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness, NS_PER_MS } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

test('reported again and again while data remains, not after it is read', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const ep = h.epollCreate();
  assert.is(h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN, { data2: 0xdead_beef_cafe_f00dn }), 0);
  assert.is(h.epollWait(ep).events.length, 0);
  c.write('abc');
  for (let i = 0; i < 3; i++) {
    const r = h.epollWait(ep);
    assert.is(r.errno, 0);
    assert.equal(r.events.map((e) => [e.events, e.data.fd, e.data.data2]), [[w.EPOLLIN, fd, 0xdead_beef_cafe_f00dn]]);
  }
  h.recv(fd, 8);
  assert.is(h.epollWait(ep).events.length, 0);
});

test('EPOLLOUT while there is room; OUT|IN together; RDHUP after the peer FIN', () => {
  const h = makeHarness({ net: { bufferSize: 10 } });
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const ep = h.epollCreate();
  h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN | w.EPOLLOUT | w.EPOLLRDHUP);
  assert.equal(h.epollWait(ep).events.map((e) => e.events), [w.EPOLLOUT]);
  h.send(fd, new Uint8Array(10));
  assert.is(h.epollWait(ep).events.length, 0, 'full: not writable');
  c.read();
  c.write('x');
  assert.equal(h.epollWait(ep).events.map((e) => e.events), [w.EPOLLIN | w.EPOLLOUT]);
  c.end();
  assert.equal(h.epollWait(ep).events.map((e) => e.events), [w.EPOLLIN | w.EPOLLOUT | w.EPOLLRDHUP]);
});

test('more ready than maxevents: round robin, every socket reported', () => {
  const h = makeHarness();
  const ep = h.epollCreate();
  const fds: number[] = [];
  for (let i = 0; i < 5; i++) {
    const c = h.net.connect()!;
    const fd = h.acceptNew();
    c.write('x');
    h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN, { data1: i });
    fds.push(fd);
  }
  const seen: number[] = [];
  for (let i = 0; i < 3; i++) seen.push(...h.epollWait(ep, 2).events.map((e) => e.data.data1));
  assert.equal(seen.slice(0, 5).sort(), [0, 1, 2, 3, 4]);
});

test('timeouts: 0 returns at once, a finite one waits that long, -1 and u64::MAX wait for an event', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const ep = h.epollCreate();
  h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN);
  assert.is(h.epollWait(ep, 8, 0n).events.length, 0);
  assert.is(h.net.now(), 0);
  assert.is(h.epollWait(ep, 8, 250n * NS_PER_MS).events.length, 0);
  assert.is(h.net.now(), 250);
  h.net.after(100, () => c.write('1'));
  assert.is(h.epollWait(ep, 8, -1n).events.length, 1);
  assert.is(h.net.now(), 350);
  h.recv(fd, 8);
  h.net.after(100, () => c.write('2'));
  assert.is(h.epollWait(ep, 8, 0xffff_ffff_ffff_ffffn).events.length, 1);
  assert.is(h.net.now(), 450);
  assert.ok(h.net.counters.wait < 20, `${h.net.counters.wait} waits`);
});

test('data arriving between two waits is seen by a zero-timeout wait', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const ep = h.epollCreate();
  h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN | w.EPOLLET);
  assert.is(h.epollWait(ep, 8, 0n).events.length, 0);
  c.write('now');
  assert.is(h.epollWait(ep, 8, 0n).events.length, 1);
});

test.run();
