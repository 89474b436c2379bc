// poll_oneoff with a mix of subscriptions: socket reads and writes with their
// nbytes, runtime fds (always ready), a bad fd and an unknown tag reported as
// per-subscription errors, and *nevents counting only what fired.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness, NS_PER_MS } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

test('ready sockets report nbytes; idle ones and pending clocks do not fire', () => {
  const h = makeHarness({ net: { bufferSize: 4096 } });
  const a = h.net.connect()!;
  h.net.connect();
  const fa = h.acceptNew();
  const fb = h.acceptNew();
  a.write('12345');
  h.send(fb, new Uint8Array(96));
  const r = h.poll([
    { userdata: 10n, tag: w.EVENTTYPE_FD_READ, fd: fa },
    { userdata: 11n, tag: w.EVENTTYPE_FD_WRITE, fd: fa },
    { userdata: 20n, tag: w.EVENTTYPE_FD_READ, fd: fb },
    { userdata: 21n, tag: w.EVENTTYPE_FD_WRITE, fd: fb },
    { userdata: 30n, tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: 1000n * NS_PER_MS },
  ]);
  assert.is(r.errno, 0);
  const byUserdata = new Map(r.events.map((e) => [e.userdata, e]));
  assert.equal([...byUserdata.keys()].sort(), [10n, 11n, 21n]);
  assert.is(byUserdata.get(10n)!.nbytes, 5n);
  assert.is(byUserdata.get(10n)!.type, w.EVENTTYPE_FD_READ);
  assert.is(byUserdata.get(11n)!.nbytes, 4096n);
  assert.is(byUserdata.get(21n)!.nbytes, 4000n);
  assert.is(byUserdata.get(21n)!.type, w.EVENTTYPE_FD_WRITE);
  for (const e of r.events) assert.is(e.error, 0);
});

test('runtime fds are always ready; a bad fd and an unknown tag are error events', () => {
  const h = makeHarness();
  h.net.connect();
  const idle = h.acceptNew();
  const r = h.poll([
    { userdata: 1n, tag: w.EVENTTYPE_FD_READ, fd: idle },
    { userdata: 2n, tag: w.EVENTTYPE_FD_READ, fd: 0 },
    { userdata: 3n, tag: w.EVENTTYPE_FD_WRITE, fd: 1 },
    { userdata: 4n, tag: w.EVENTTYPE_FD_READ, fd: 4 },
    { userdata: 5n, tag: w.EVENTTYPE_FD_READ, fd: 77 },
    { userdata: 6n, tag: 9 },
  ]);
  assert.is(r.errno, 0);
  assert.equal(
    r.events.map((e) => [e.userdata, e.error, e.type]),
    [
      [2n, 0, w.EVENTTYPE_FD_READ],
      [3n, 0, w.EVENTTYPE_FD_WRITE],
      [4n, 0, w.EVENTTYPE_FD_READ],
      [5n, w.ERRNO_BADF, w.EVENTTYPE_FD_READ],
      [6n, w.ERRNO_INVAL, 9],
    ].sort((x, y) => Number((x[0] as bigint) - (y[0] as bigint))),
  );
  assert.is(h.runtime.calls.filter((c) => c.name === 'poll_oneoff').length, 0, 'the runtime is not asked');
});

test('waits for the first socket to become ready, without spinning', () => {
  const h = makeHarness();
  const a = h.net.connect()!;
  const b = h.net.connect()!;
  const fa = h.acceptNew();
  const fb = h.acceptNew();
  h.net.after(40, () => b.write('b first'));
  h.net.after(80, () => a.write('a later'));
  const r = h.poll([
    { userdata: 1n, tag: w.EVENTTYPE_FD_READ, fd: fa },
    { userdata: 2n, tag: w.EVENTTYPE_FD_READ, fd: fb },
  ]);
  assert.equal(r.events.map((e) => e.userdata), [2n]);
  assert.is(r.events[0]!.nbytes, 7n);
  assert.is(h.net.now(), 40);
  assert.ok(h.net.counters.wait <= 3, `${h.net.counters.wait} waits`);
});

test('a listener is readable when a connection is pending (nbytes = how many), never writable', () => {
  const h = makeHarness();
  h.net.connect();
  h.net.connect();
  const r = h.poll([
    { userdata: 1n, tag: w.EVENTTYPE_FD_READ, fd: 3 },
    { userdata: 2n, tag: w.EVENTTYPE_FD_WRITE, fd: 3 },
  ]);
  assert.equal(r.events.map((e) => [e.userdata, e.nbytes]), [[1n, 2n]]);
});

test('an epoll fd is readable when epoll_wait would report', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const ep = h.epollCreate();
  h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN);
  h.net.after(25, () => c.write('x'));
  const r = h.poll([{ userdata: 7n, tag: w.EVENTTYPE_FD_READ, fd: ep }]);
  assert.equal(r.events.map((e) => e.userdata), [7n]);
  assert.is(h.net.now(), 25);
  assert.is(h.epollWait(ep).events.length, 1, 'polling the epoll fd consumed nothing');
});

test.run();
