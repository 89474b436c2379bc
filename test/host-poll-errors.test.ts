// poll_oneoff's own errors: no subscriptions is EINVAL, arrays outside memory
// are EFAULT (sizes computed without overflow), too many subscriptions EINVAL.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';
import { MAX_POLL_SUBSCRIPTIONS } from '../ts/host/index.js';

test('nsubscriptions 0 is EINVAL', () => {
  const h = makeHarness();
  assert.is(h.wasi.poll_oneoff!(1024, 2048, 0, 4096), w.ERRNO_INVAL);
});

test('subscriptions, events or nevents outside memory are EFAULT', () => {
  const h = makeHarness();
  const size = h.heap.size;
  const ok = h.heap.alloc(48 * 2);
  const out = h.heap.alloc(32 * 2);
  const nev = h.heap.alloc(4);
  assert.is(h.wasi.poll_oneoff!(size - 48, out, 2, nev), w.ERRNO_FAULT);
  assert.is(h.wasi.poll_oneoff!(ok, size - 32, 2, nev), w.ERRNO_FAULT);
  assert.is(h.wasi.poll_oneoff!(ok, out, 1, size - 2), w.ERRNO_FAULT);
  assert.is(h.wasi.poll_oneoff!(-1, out, 1, nev), w.ERRNO_FAULT, 'a pointer of 0xFFFFFFFF');
  // 0x05555556 * 48 wraps past 2^32 in u32 arithmetic; the host must not.
  assert.is(h.wasi.poll_oneoff!(0, out, 0x05555556, nev), w.ERRNO_INVAL);
  assert.is(h.wasi.poll_oneoff!(ok, out, MAX_POLL_SUBSCRIPTIONS, nev), w.ERRNO_FAULT);
  assert.is(h.wasi.poll_oneoff!(ok, out, MAX_POLL_SUBSCRIPTIONS + 1, nev), w.ERRNO_INVAL);
  assert.is(h.wasi.poll_oneoff!(ok, out, -1, nev), w.ERRNO_INVAL);
});

test('the event array may overlap the subscriptions (all are read before any is written)', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  c.write('x');
  const ptr = h.heap.alloc(48 * 2);
  w.writeSubscription(h.heap.view(), ptr, { userdata: 5n, tag: w.EVENTTYPE_FD_READ, fd, clockId: 0, timeout: 0n, precision: 0n, flags: 0 });
  w.writeSubscription(h.heap.view(), ptr + 48, { userdata: 6n, tag: w.EVENTTYPE_FD_WRITE, fd, clockId: 0, timeout: 0n, precision: 0n, flags: 0 });
  const nev = h.heap.alloc(4);
  assert.is(h.wasi.poll_oneoff!(ptr, ptr, 2, nev), 0);
  assert.is(h.heap.u32(nev), 2);
  assert.equal([w.readEvent(h.heap.view(), ptr).userdata, w.readEvent(h.heap.view(), ptr + 32).userdata], [5n, 6n]);
});

test.run();
