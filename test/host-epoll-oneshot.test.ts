// EPOLLONESHOT: after one report the registration is disarmed (nothing, not
// even ERR/HUP) until EPOLL_CTL_MOD arms it again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

test('reported once, silent until MOD, then reported again', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const ep = h.epollCreate();
  h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN | w.EPOLLONESHOT, { data1: 1 });
  c.write('x');
  assert.equal(h.epollWait(ep).events.map((e) => e.data.data1), [1]);
  assert.is(h.epollWait(ep).events.length, 0);
  c.write('y');
  c.reset();
  assert.is(h.epollWait(ep).events.length, 0, 'disarmed: not even ERR/HUP');
  assert.is(h.epollCtl(ep, w.EPOLL_CTL_MOD, fd, w.EPOLLIN | w.EPOLLONESHOT, { data1: 2 }), 0);
  const r = h.epollWait(ep);
  assert.equal(r.events.map((e) => e.data.data1), [2], 'MOD re-armed it with the new data');
  assert.ok(r.events[0]!.events & w.EPOLLERR);
});

test('DEL of a disarmed registration, then ADD again', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const ep = h.epollCreate();
  h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN | w.EPOLLONESHOT);
  c.write('x');
  assert.is(h.epollWait(ep).events.length, 1);
  assert.is(h.epollCtl(ep, w.EPOLL_CTL_DEL, fd, 0), 0);
  assert.is(h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN), 0);
  assert.is(h.epollWait(ep).events.length, 1);
});

test.run();
