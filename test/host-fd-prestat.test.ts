// fd_prestat_get and fd_fdstat_get as wasi-libc uses them at start-up. Its
// preopen scan (libc-bottom-half/sources/preopens.c) asks fd 3, 4, … and stops
// at the first EBADF, exits with 71 on any other error, and skips a success
// whose tag is not DIR. The listeners sit before the preopens, so they must be
// skipped, not end the scan.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness, type Harness } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';
import { PRESTAT_TAG_NOT_A_DIR } from '../ts/host/index.js';

/** wasi-libc's __wasilibc_populate_preopens, step by step: the names it registers, or 'exit 71'. */
function scanPreopens(h: Harness): string[] | 'exit 71' {
  const found: string[] = [];
  const ptr = h.heap.alloc(w.PRESTAT_SIZE);
  for (let fd = 3; fd < 1000; fd++) {
    const ret = h.wasi.fd_prestat_get!(fd, ptr);
    if (ret === w.ERRNO_BADF) return found;
    if (ret !== 0) return 'exit 71';
    const pre = w.readPrestat(h.heap.view(), ptr);
    if (pre.tag !== w.PREOPENTYPE_DIR) continue;
    const name = h.heap.alloc(pre.nameLen);
    if (h.wasi.fd_prestat_dir_name!(fd, name, pre.nameLen) !== 0) return 'exit 71';
    found.push(`${fd}:${new TextDecoder().decode(h.heap.get(name, pre.nameLen))}`);
  }
  throw new Error('the scan never ended');
}

test('listeners before preopens are skipped; the preopens are found under module numbers', () => {
  const h = makeHarness({ net: { listeners: 2 }, preopens: ['/data', '/tmp'] });
  assert.equal(scanPreopens(h), ['5:/data', '6:/tmp']);
  const ptr = h.heap.alloc(8);
  assert.is(h.wasi.fd_prestat_get!(3, ptr), 0);
  assert.is(w.readPrestat(h.heap.view(), ptr).tag, PRESTAT_TAG_NOT_A_DIR);
});

test('no preopens: the scan ends at the first listener with EBADF', () => {
  const h = makeHarness({ preopens: [] });
  assert.equal(scanPreopens(h), []);
  assert.is(h.wasi.fd_prestat_get!(3, h.heap.alloc(8)), w.ERRNO_BADF);
});

test('sockets accepted after the preopens end the scan (EBADF), runtime files are never asked', () => {
  const h = makeHarness();
  h.net.connect();
  h.acceptNew();
  const p = h.heap.put('f');
  h.wasi.path_open!(4, 0, p, 1, 0, 0n, 0n, 0, h.heap.alloc(4));
  assert.equal(scanPreopens(h), ['4:/data']);
  assert.is(h.wasi.fd_prestat_get!(6, h.heap.alloc(8)), w.ERRNO_BADF, 'a file above every preopen');
  assert.equal(h.runtime.callsTo('fd_prestat_get').map((a) => a[0]), [3], 'only the preopen reached the runtime');
});

test('fd_prestat_get with a bad pointer on a socket below a preopen is EFAULT', () => {
  const h = makeHarness();
  assert.is(h.wasi.fd_prestat_get!(3, h.heap.size - 4), w.ERRNO_FAULT);
});

test('fd_fdstat_get: sockets are SOCKET_STREAM with their flags and rights; the core finds listeners this way', () => {
  const h = makeHarness({ net: { listeners: 3 } });
  const listeners: number[] = [];
  for (let fd = 3; ; fd++) {
    const st = h.fdstat(fd);
    if (st.errno !== 0 || st.stat!.filetype !== w.FILETYPE_SOCKET_STREAM) break;
    listeners.push(fd);
  }
  assert.equal(listeners, [3, 4, 5]);
  const l = h.fdstat(3).stat!;
  assert.ok(l.rightsBase & w.RIGHTS_SOCK_ACCEPT);
  assert.ok(l.rightsInheriting & w.RIGHTS_FD_READ);
  h.net.connect();
  const fd = h.acceptNew(w.FDFLAGS_NONBLOCK);
  const c = h.fdstat(fd).stat!;
  assert.is(c.flags, w.FDFLAGS_NONBLOCK);
  for (const right of [w.RIGHTS_FD_READ, w.RIGHTS_FD_WRITE, w.RIGHTS_POLL_FD_READWRITE, w.RIGHTS_SOCK_SHUTDOWN]) assert.ok(c.rightsBase & right);
  assert.is(c.rightsBase & w.RIGHTS_FD_SEEK, 0n);
  assert.is(h.wasi.fd_fdstat_set_flags!(fd, 0x40), w.ERRNO_INVAL);
  assert.is(h.wasi.fd_fdstat_set_flags!(fd, w.FDFLAGS_APPEND), 0);
  assert.is(h.fdstat(fd).stat!.flags, w.FDFLAGS_APPEND, 'NONBLOCK cleared, APPEND kept');
});

test('fd_fdstat_set_rights can drop rights, not add them; dropped rights are enforced', () => {
  const h = makeHarness();
  h.net.connect();
  const fd = h.acceptNew();
  const all = h.fdstat(fd).stat!.rightsBase;
  assert.is(h.wasi.fd_fdstat_set_rights!(fd, all | w.RIGHTS_FD_SEEK, 0n), w.ERRNO_NOTCAPABLE);
  assert.is(h.wasi.fd_fdstat_set_rights!(fd, all & ~w.RIGHTS_FD_WRITE, 0n), 0);
  assert.is(h.send(fd, 'x').errno, w.ERRNO_NOTCAPABLE);
  assert.is(h.write(fd, 'x').errno, w.ERRNO_NOTCAPABLE);
  assert.is(h.recv(fd, 4).errno, w.ERRNO_AGAIN, 'reading is still allowed');
});

test('fd_filestat_get on a socket: filetype SOCKET_STREAM', () => {
  const h = makeHarness();
  const ptr = h.heap.alloc(w.FILESTAT_SIZE);
  assert.is(h.wasi.fd_filestat_get!(3, ptr), 0);
  assert.is(w.readFilestat(h.heap.view(), ptr).filetype, w.FILETYPE_SOCKET_STREAM);
});

test.run();
