// The wasi_snapshot_preview1 imports the socket host owns, one method each.
// compose.ts installs every method of this class under its own name (so the
// list of host-owned imports is this class, kept nowhere else); the runtime
// supplies the rest.
//
// Only the imports are methods here (helpers are #private, which are not
// properties of the prototype). Each method converts its arguments to u32 (wasm passes i32, which JS sees as
// signed), checks what is the ABI's business (flags, pointers), finds the
// descriptor and lets it answer. compose.ts wraps every method so that a bad
// pointer or length becomes its errno: nothing a module passes makes an
// import throw.

import * as w from '../wasi/index.js';
import { PollOneoff } from './poll-oneoff.js';
import { RuntimeFd } from './runtime-fd.js';
import type { SocketHost } from './socket-host.js';
import { SocketFd } from './socket-fd.js';

/**
 * fd_prestat_get's tag for a descriptor that is not a preopened directory but
 * sits below one. wasi-libc (libc-bottom-half/sources/preopens.c,
 * __wasilibc_populate_preopens) scans fd_prestat_get from fd 3 upward: EBADF
 * ends the scan, any other error calls _Exit(71) (EX_OSERR), and a success
 * whose tag is not PREOPENTYPE_DIR is skipped and the scan goes on. A listener
 * at fd 3 with a preopened directory at fd 4 (wasmtime's --tcplisten layout)
 * must therefore answer success with some other tag; preview1 defines no other
 * tag, so any value but 0 is "not a directory".
 */
export const PRESTAT_TAG_NOT_A_DIR = 0xff;


export class Preview1Imports {
  readonly #poll: PollOneoff;

  constructor(private readonly host: SocketHost) {
    this.#poll = new PollOneoff(host);
  }

  // ---- sockets ---------------------------------------------------------------

  sock_accept(fd: number, flags: number, roFd: number): number {
    const sock = this.#socket(fd);
    if (typeof sock === 'number') return sock;
    flags = w.u32(flags);
    if ((flags & ~w.FDFLAGS_NONBLOCK) !== 0) return w.ERRNO_INVAL;
    return sock.sock_accept(flags, w.u32(roFd));
  }

  sock_recv(fd: number, riData: number, riDataLen: number, riFlags: number, roDataLen: number, roFlags: number): number {
    const sock = this.#socket(fd);
    if (typeof sock === 'number') return sock;
    riFlags = w.u32(riFlags);
    if ((riFlags & ~(w.RIFLAGS_RECV_PEEK | w.RIFLAGS_RECV_WAITALL)) !== 0) return w.ERRNO_INVAL;
    return sock.sock_recv(w.u32(riData), w.u32(riDataLen), riFlags, w.u32(roDataLen), w.u32(roFlags));
  }

  sock_send(fd: number, siData: number, siDataLen: number, siFlags: number, soDataLen: number): number {
    const sock = this.#socket(fd);
    if (typeof sock === 'number') return sock;
    if (w.u32(siFlags) !== 0) return w.ERRNO_INVAL;
    return sock.sock_send(w.u32(siData), w.u32(siDataLen), w.u32(soDataLen));
  }

  sock_shutdown(fd: number, how: number): number {
    const sock = this.#socket(fd);
    if (typeof sock === 'number') return sock;
    how = w.u32(how);
    if (how === 0 || (how & ~(w.SDFLAGS_RD | w.SDFLAGS_WR)) !== 0) return w.ERRNO_INVAL;
    return sock.sock_shutdown(how);
  }

  // ---- fd_* (any descriptor) -----------------------------------------------------

  fd_read(fd: number, iovs: number, iovsLen: number, nread: number): number {
    return this.host.descriptor(fd)?.fd_read(w.u32(iovs), w.u32(iovsLen), w.u32(nread)) ?? w.ERRNO_BADF;
  }

  fd_write(fd: number, iovs: number, iovsLen: number, nwritten: number): number {
    return this.host.descriptor(fd)?.fd_write(w.u32(iovs), w.u32(iovsLen), w.u32(nwritten)) ?? w.ERRNO_BADF;
  }

  fd_close(fd: number): number {
    const entry = this.host.table.remove(w.u32(fd));
    if (entry === undefined) return w.ERRNO_BADF;
    // The number is free whatever the runtime answers, as with close(2).
    return this.host.release(entry);
  }

  fd_renumber(from: number, to: number): number {
    from = w.u32(from);
    to = w.u32(to);
    const { table } = this.host;
    const target = table.get(to);
    // Like uvwasi and browser_wasi_shim, `to` must be open: it is closed and replaced.
    if (table.get(from) === undefined || target === undefined) return w.ERRNO_BADF;
    if (from === to) return w.ERRNO_SUCCESS;
    table.remove(to);
    // As dup2(2), a failure to close the replaced descriptor is not reported.
    this.host.release(target);
    table.move(from, to);
    return w.ERRNO_SUCCESS;
  }

  fd_fdstat_get(fd: number, stat: number): number {
    return this.host.descriptor(fd)?.fd_fdstat_get(w.u32(stat)) ?? w.ERRNO_BADF;
  }

  fd_fdstat_set_flags(fd: number, flags: number): number {
    const entry = this.host.descriptor(fd);
    if (entry === undefined) return w.ERRNO_BADF;
    flags = w.u32(flags);
    // Before the runtime: uvwasi passes unknown bits to fcntl(F_SETFL) on the real fd and answers success.
    if ((flags & ~w.FDFLAGS_ALL) !== 0) return w.ERRNO_INVAL;
    return entry.fd_fdstat_set_flags(flags);
  }

  fd_fdstat_set_rights(fd: number, base: bigint, inheriting: bigint): number {
    return this.host.descriptor(fd)?.fd_fdstat_set_rights(base, inheriting) ?? w.ERRNO_BADF;
  }

  fd_filestat_get(fd: number, buf: number): number {
    return this.host.descriptor(fd)?.fd_filestat_get(w.u32(buf)) ?? w.ERRNO_BADF;
  }

  fd_prestat_get(fd: number, buf: number): number {
    fd = w.u32(fd);
    const entry = this.host.table.get(fd);
    if (entry === undefined) return w.ERRNO_BADF;
    if (entry instanceof RuntimeFd && entry.preopen) return entry.fd_prestat_get(buf);
    // Not a preopened directory: see PRESTAT_TAG_NOT_A_DIR for why a success
    // when a preopen sits above, and EBADF (end of the scan) otherwise.
    if (this.host.table.highestPreopen() < fd) return w.ERRNO_BADF;
    w.writePrestat(this.host.memory.view(), w.u32(buf), { tag: PRESTAT_TAG_NOT_A_DIR, nameLen: 0 });
    return w.ERRNO_SUCCESS;
  }

  fd_prestat_dir_name(fd: number, path: number, pathLen: number): number {
    return this.host.descriptor(fd)?.fd_prestat_dir_name(w.u32(path), w.u32(pathLen)) ?? w.ERRNO_BADF;
  }

  path_open(
    dirfd: number,
    dirflags: number,
    path: number,
    pathLen: number,
    oflags: number,
    base: bigint,
    inheriting: bigint,
    fdflags: number,
    opened: number,
  ): number {
    const { host } = this;
    const dir = host.descriptor(dirfd)?.runtimeFile;
    if (dir === undefined) return w.ERRNO_BADF;
    if (dir === null) return w.ERRNO_NOTDIR;
    [path, pathLen, opened] = [w.u32(path), w.u32(pathLen), w.u32(opened)];
    // Checked first so that a bad pointer cannot leave a runtime fd open behind the module's back.
    w.checkRange(host.memory.view(), opened, 4);
    // The path too, as for the runtime's other path imports (BUFFERS in compose.ts).
    w.checkRange(host.memory.view(), path, pathLen);
    if (host.table.full) return w.ERRNO_MFILE;
    const r = host.callRuntime('path_open', dir, dirflags, path, pathLen, oflags, base, inheriting, fdflags, opened);
    if (r !== w.ERRNO_SUCCESS) return r;
    const view = host.memory.view();
    const rt = w.readU32(view, opened);
    w.writeU32(view, opened, host.table.allocate(new RuntimeFd(host, rt, 'file')));
    return w.ERRNO_SUCCESS;
  }

  // ---- clocks: one time base for the module and for poll deadlines -----------

  clock_time_get(id: number, precision: bigint, time: number): number {
    id = w.u32(id);
    const { clock } = this.host;
    if (id === w.CLOCKID_REALTIME || id === w.CLOCKID_MONOTONIC) {
      w.writeU64(this.host.memory.view(), w.u32(time), id === w.CLOCKID_REALTIME ? clock.realtimeNs() : clock.monotonicNs());
      return w.ERRNO_SUCCESS;
    }
    return this.host.callRuntime('clock_time_get', id, precision, time);
  }

  clock_res_get(id: number, resolution: number): number {
    id = w.u32(id);
    if (id === w.CLOCKID_REALTIME || id === w.CLOCKID_MONOTONIC) {
      w.writeU64(this.host.memory.view(), w.u32(resolution), this.host.clock.resolutionNs);
      return w.ERRNO_SUCCESS;
    }
    return this.host.callRuntime('clock_res_get', id, resolution);
  }

  poll_oneoff(inPtr: number, outPtr: number, nsubscriptions: number, nevents: number): number {
    return this.#poll.poll(w.u32(inPtr), w.u32(outPtr), w.u32(nsubscriptions), w.u32(nevents));
  }

  /** The socket at `fd`, or the errno for a missing (EBADF) or non-socket (ENOTSOCK) fd. */
  #socket(fd: number): SocketFd | number {
    const entry = this.host.descriptor(fd);
    if (entry === undefined) return w.ERRNO_BADF;
    if (!(entry instanceof SocketFd)) return w.ERRNO_NOTSOCK;
    return entry;
  }
}
