// epoll_wait costs O(ready), not O(registered): with 10,000 registered
// connections and one becoming ready, a wait asks the transport about a
// handful of handles, counted by the in-memory network.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

const N = 10_000;

test('10k registered, one ready: O(1) readiness queries per wait', () => {
  const h = makeHarness({ net: { backlog: N } });
  const clients = Array.from({ length: N }, () => h.net.connect()!);
  const ep = h.epollCreate();
  const fds: number[] = [];
  for (let i = 0; i < N; i++) {
    const fd = h.acceptNew();
    fds.push(fd);
    assert.is(h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN, { data1: i }), 0);
  }
  assert.is(h.epollWait(ep, 64).events.length, 0);

  const polls = h.net.counters.poll;
  clients[7777]!.write('ping');
  const r = h.epollWait(ep, 64);
  assert.equal(r.events.map((e) => e.data.data1), [7777]);
  const cost = h.net.counters.poll - polls;
  assert.ok(cost <= 2, `${cost} readiness queries for one ready socket among ${N}`);

  // Level-triggered, still ready: the next wait costs the same.
  const before = h.net.counters.poll;
  assert.is(h.epollWait(ep, 64).events.length, 1);
  assert.ok(h.net.counters.poll - before <= 2);

  // Blocking wait, woken by one socket among all: still O(1).
  h.recv(fds[7777]!, 64);
  const beforeBlocking = h.net.counters.poll;
  h.net.after(10, () => clients[42]!.write('x'));
  const woken = h.epollWait(ep, 64, -1n);
  assert.equal(woken.events.map((e) => e.data.data1), [42]);
  assert.ok(h.net.counters.poll - beforeBlocking <= 4, `${h.net.counters.poll - beforeBlocking} queries`);
});

test.run();
