// poll_oneoff clock subscriptions: relative and absolute (ABSTIME), REALTIME
// and MONOTONIC; other clock ids are a per-subscription EINVAL. The host
// sleeps until the earliest deadline in a few waits, never busy.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness, NS_PER_MS } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

const ABSTIME = w.SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;

test('a relative clock fires after its timeout; the earliest of several wins', () => {
  const h = makeHarness();
  const r = h.poll([
    { userdata: 1n, tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: 500n * NS_PER_MS },
    { userdata: 2n, tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_REALTIME, timeout: 120n * NS_PER_MS },
  ]);
  assert.is(r.errno, 0);
  assert.equal(r.events.map((e) => [e.userdata, e.type, e.error]), [[2n, w.EVENTTYPE_CLOCK, 0]]);
  assert.is(h.net.now(), 120);
  assert.ok(h.net.counters.wait <= 3, `${h.net.counters.wait} waits`);
});

test('a timeout below a millisecond still waits (rounded up), a zero timeout does not', () => {
  const h = makeHarness();
  h.poll([{ tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: 1000n }]);
  assert.is(h.net.now(), 1);
  const r = h.poll([{ tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: 0n }]);
  assert.is(r.events.length, 1);
  assert.is(h.net.now(), 1);
});

test('absolute MONOTONIC and REALTIME deadlines are read on the clocks the module sees', () => {
  const h = makeHarness();
  const now = (id: number) => {
    const ptr = h.heap.alloc(8);
    assert.is(h.wasi.clock_time_get!(id, 0n, ptr), 0);
    return h.heap.view().getBigUint64(ptr, true);
  };
  const mono = now(w.CLOCKID_MONOTONIC);
  h.poll([{ tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: mono + 300n * NS_PER_MS, flags: ABSTIME }]);
  assert.is(h.net.now(), 300);
  const real = now(w.CLOCKID_REALTIME);
  assert.ok(real !== now(w.CLOCKID_MONOTONIC), 'two different clocks');
  h.poll([{ tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_REALTIME, timeout: real + 200n * NS_PER_MS, flags: ABSTIME }]);
  assert.is(h.net.now(), 500);
  const past = h.poll([{ tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_REALTIME, timeout: real, flags: ABSTIME }]);
  assert.is(past.events.length, 1, 'a deadline in the past fires at once');
  assert.is(h.net.now(), 500);
});

test('clock ids other than REALTIME and MONOTONIC are EINVAL events', () => {
  const h = makeHarness();
  const r = h.poll([
    { userdata: 1n, tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_PROCESS_CPUTIME_ID, timeout: 1n },
    { userdata: 2n, tag: w.EVENTTYPE_CLOCK, clockId: 99, timeout: 1n },
  ]);
  assert.equal(r.events.map((e) => [e.userdata, e.error, e.type]), [
    [1n, w.ERRNO_INVAL, w.EVENTTYPE_CLOCK],
    [2n, w.ERRNO_INVAL, w.EVENTTYPE_CLOCK],
  ]);
});

test('data before the timeout: the fd event, not the clock', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  h.net.after(30, () => c.write('x'));
  const r = h.poll([
    { userdata: 1n, tag: w.EVENTTYPE_FD_READ, fd },
    { userdata: 2n, tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_REALTIME, timeout: 100n * NS_PER_MS },
  ]);
  assert.equal(r.events.map((e) => e.userdata), [1n]);
  assert.is(h.net.now(), 30);
});

test('a huge timeout does not overflow the wait', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  h.net.after(10, () => c.write('x'));
  const r = h.poll([
    { userdata: 1n, tag: w.EVENTTYPE_FD_READ, fd },
    { userdata: 2n, tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: 0xffff_ffff_ffff_ffffn },
  ]);
  assert.equal(r.events.map((e) => e.userdata), [1n]);
});

test('the system clock, with real waits: a 30 ms sleep takes about 30 ms', () => {
  const h = makeHarness({ net: { clock: 'real' }, host: { clock: undefined } });
  const start = performance.now();
  const r = h.poll([{ tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: 30n * NS_PER_MS }]);
  const took = performance.now() - start;
  assert.is(r.events.length, 1);
  assert.ok(took >= 29 && took < 1000, `took ${took} ms`);
  assert.ok(h.net.counters.wait <= 4, `${h.net.counters.wait} waits`);
});

test.run();
