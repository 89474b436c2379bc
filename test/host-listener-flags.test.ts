// The listeners are handed over NONBLOCK, as wasmtime does, and
// fd_fdstat_get says so (Go's runtime polls a listener only if it reports
// NONBLOCK); blockingListeners hands them over blocking, for a blocking
// accept loop. Either way the module may change the flag.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

test('by default every listener reports NONBLOCK, and accept with nothing pending answers EAGAIN at once', () => {
  const h = makeHarness({ net: { listeners: 2 } });
  for (const fd of [3, 4]) {
    const { stat } = h.fdstat(fd);
    assert.is(stat!.filetype, w.FILETYPE_SOCKET_STREAM);
    assert.is(stat!.flags, w.FDFLAGS_NONBLOCK, `fd ${fd}`);
  }
  const before = h.net.now();
  assert.is(h.accept(3).errno, w.ERRNO_AGAIN);
  assert.is(h.net.now(), before, 'did not sleep');
});

test('blockingListeners: every listener reports no flags, and accept sleeps until a connection comes', () => {
  const h = makeHarness({ net: { listeners: 2 }, host: { blockingListeners: true } });
  for (const fd of [3, 4]) assert.is(h.fdstat(fd).stat!.flags, 0, `fd ${fd}`);
  h.net.after(250, () => h.net.connect());
  const before = h.net.now();
  assert.is(h.accept(3).errno, 0);
  assert.is(h.net.now() - before, 250, 'woke when the connection came');
});

test('the module may change either: fd_fdstat_set_flags sets or clears NONBLOCK', () => {
  const nonblocking = makeHarness();
  assert.is(nonblocking.wasi.fd_fdstat_set_flags!(3, 0), 0);
  assert.is(nonblocking.fdstat(3).stat!.flags, 0);
  const blocking = makeHarness({ host: { blockingListeners: true } });
  assert.is(blocking.wasi.fd_fdstat_set_flags!(3, w.FDFLAGS_NONBLOCK), 0);
  assert.is(blocking.accept(3).errno, w.ERRNO_AGAIN);
});

test.run();
