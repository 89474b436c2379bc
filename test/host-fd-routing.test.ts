// The module sees one fd table: 0-2 the runtime's stdio, the listeners at 3,
// 4, …, then the runtime's preopened dirs; path_open's result gets the lowest
// free module fd. Runtime imports get runtime numbers; the file and path
// calls on sockets and stdio (streams) never reach the runtime.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness, text, FakeExit } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

test('layout: stdio, listeners from 3 (transport order), then preopens', () => {
  const h = makeHarness({ net: { listeners: 2 }, preopens: ['/data', '/tmp'] });
  const types = [0, 1, 2, 3, 4, 5, 6, 7].map((fd) => h.fdstat(fd).stat?.filetype ?? -1);
  assert.equal(types, [
    w.FILETYPE_CHARACTER_DEVICE,
    w.FILETYPE_CHARACTER_DEVICE,
    w.FILETYPE_CHARACTER_DEVICE,
    w.FILETYPE_SOCKET_STREAM,
    w.FILETYPE_SOCKET_STREAM,
    w.FILETYPE_DIRECTORY,
    w.FILETYPE_DIRECTORY,
    -1,
  ]);
  assert.equal(h.runtime.callsTo('fd_fdstat_get').map((a) => a[0]), [0, 1, 2, 3, 4], 'module 5,6 are runtime 3,4');
  h.net.connect(h.net.listeners[1]);
  assert.is(h.accept(4).errno, 0, 'fd 4 is the second listener');
  h.wasi.fd_fdstat_set_flags!(3, w.FDFLAGS_NONBLOCK);
  assert.is(h.accept(3).errno, w.ERRNO_AGAIN, 'the connection went to the second listener only');
});

test('fd_write/fd_read on stdio and files go to the runtime under its numbers', () => {
  const h = makeHarness({ net: { listeners: 2 } });
  assert.is(h.write(1, 'to stdout').n, 9);
  assert.is(text(Uint8Array.from(h.runtime.fds.get(1)!.written)), 'to stdout');
  const path = h.heap.put('notes.txt');
  const opened = h.heap.alloc(4);
  assert.is(h.wasi.path_open!(5, 0, path, 9, 0, 0n, 0n, 0, opened), 0);
  assert.is(h.heap.u32(opened), 6, 'lowest free module fd');
  assert.equal(h.runtime.callsTo('path_open')[0]!.slice(0, 1), [3], 'the runtime got its own dir fd');
  assert.is(text(h.read(6, 64).data), 'content of notes.txt');
  assert.equal(h.runtime.callsTo('fd_read').map((a) => a[0]), [4], 'runtime fd 4 (3 is the preopen)');
  assert.is(h.wasi.fd_close!(6), 0);
  assert.is(h.runtime.fds.has(4), false, 'closed in the runtime');
});

test('path_open past 2 GiB: the runtime gets the out-pointer as the u32 it is, so it opens and reports the file', () => {
  // 2 GiB + 64 KiB: the last page lies where an i32 pointer is negative.
  const h = makeHarness({ net: { listeners: 1 }, preopens: ['/data'], pages: 32769 });
  const path = h.heap.put('notes.txt');
  const opened = 0x8000_0000;
  assert.is(h.wasi.path_open!(4, 0, path, 9, 0, 0n, 0n, 0, opened | 0), 0);
  assert.is(h.runtime.callsTo('path_open')[0]![8], opened);
  assert.is(h.heap.u32(opened), 5, 'the module fd is written where the module asked');
  assert.is(text(h.read(5, 64).data), 'content of notes.txt');
});

test('routed runtime imports translate every fd argument; sockets, stdio and unknown fds never reach the runtime', () => {
  const h = makeHarness({ preopens: ['/a', '/b'] });
  h.net.connect();
  const sock = h.acceptNew();
  const p = h.heap.put('x');
  const ptr = h.heap.alloc(8);
  assert.is(h.wasi.path_open!(4, 0, p, 1, 0, 0n, 0n, 0, ptr), 0);
  const file = h.heap.u32(ptr);
  assert.is(h.wasi.fd_seek!(file, 0n, 0, ptr), 0);
  assert.equal(h.runtime.callsTo('fd_seek')[0]![0], 5, 'the file is runtime fd 5 (3 and 4 are the preopens)');
  assert.is(h.wasi.path_unlink_file!(4, p, 1), 0);
  assert.is(h.wasi.path_rename!(4, p, 1, 5, p, 1), 0);
  assert.is(h.wasi.path_symlink!(p, 1, 5, p, 1), 0);
  assert.equal(h.runtime.callsTo('path_rename')[0]!.filter((_, i) => i === 0 || i === 3), [3, 4]);
  assert.equal(h.runtime.callsTo('path_symlink')[0]![2], 4);
  const before = h.runtime.calls.length;
  assert.is(h.wasi.fd_seek!(sock, 0n, 0, ptr), w.ERRNO_SPIPE);
  // stdio is a stream: under node:wasi the host process's own fds 0-2.
  assert.is(h.wasi.fd_seek!(1, 0n, 0, ptr), w.ERRNO_SPIPE);
  assert.is(h.wasi.path_unlink_file!(0, p, 1), w.ERRNO_NOTDIR);
  assert.is(h.wasi.path_open!(2, 0, p, 1, 0, 0n, 0n, 0, ptr), w.ERRNO_NOTDIR);
  assert.is(h.wasi.path_unlink_file!(sock, p, 1), w.ERRNO_NOTDIR);
  assert.is(h.wasi.path_rename!(4, p, 1, 99, p, 1), w.ERRNO_BADF);
  assert.is(h.wasi.fd_seek!(99, 0n, 0, ptr), w.ERRNO_BADF);
  assert.is(h.wasi.sock_accept!(1, 0, ptr), w.ERRNO_NOTSOCK);
  assert.is(h.wasi.sock_recv!(0, 0, 0, 0, ptr, ptr), w.ERRNO_NOTSOCK);
  assert.is(h.wasi.sock_send!(2, 0, 0, 0, ptr), w.ERRNO_NOTSOCK);
  assert.is(h.wasi.sock_accept!(99, 0, ptr), w.ERRNO_BADF);
  assert.is(h.wasi.path_open!(sock, 0, p, 1, 0, 0n, 0n, 0, ptr), w.ERRNO_NOTDIR);
  assert.is(h.runtime.calls.length, before, 'none of these reached the runtime');
});

test('runtime imports without fds pass through; a bad pointer there is EFAULT; proc_exit still throws', () => {
  const h = makeHarness();
  assert.is(h.wasi.sched_yield!(), 0, 'undefined from the runtime is success');
  assert.is(h.wasi.args_sizes_get!(h.heap.size, 0), w.ERRNO_FAULT);
  assert.throws(() => h.wasi.proc_exit!(3), (e: unknown) => e instanceof FakeExit && e.code === 3);
});

test('the module clock is the host clock; other clock ids go to the runtime', () => {
  const h = makeHarness();
  const ptr = h.heap.alloc(8);
  h.net.after(1234, () => {});
  h.poll([{ tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: 2_000_000_000n }]);
  assert.is(h.wasi.clock_time_get!(w.CLOCKID_MONOTONIC, 0n, ptr), 0);
  assert.is(h.heap.view().getBigUint64(ptr, true), 2_000_000_000n);
  assert.is(h.wasi.clock_res_get!(w.CLOCKID_REALTIME, ptr), 0);
  assert.is(h.wasi.clock_time_get!(w.CLOCKID_PROCESS_CPUTIME_ID, 0n, ptr), w.ERRNO_NOSYS, 'the fake runtime has no such clock');
  assert.is(h.wasi.clock_time_get!(w.CLOCKID_MONOTONIC, 0n, h.heap.size - 4), w.ERRNO_FAULT);
});

test('EMFILE: accept leaves the connection pending; epoll_create and path_open refuse too', () => {
  const h = makeHarness({ host: { maxFds: 6 } });
  h.net.connect();
  h.net.connect();
  assert.is(h.acceptNew(), 5);
  assert.is(h.accept(3, w.FDFLAGS_NONBLOCK).errno, w.ERRNO_MFILE);
  assert.is(h.wasix.epoll_create!(h.heap.alloc(4)), w.ERRNO_MFILE);
  const p = h.heap.put('f');
  assert.is(h.wasi.path_open!(4, 0, p, 1, 0, 0n, 0n, 0, h.heap.alloc(4)), w.ERRNO_MFILE);
  assert.is(h.runtime.callsTo('path_open').length, 0);
  h.wasi.fd_close!(5);
  assert.is(h.acceptNew(), 5, 'the second connection was still pending');
});

test.run();
