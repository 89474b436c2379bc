// The socket host: the module's fd table and every import that can touch a
// socket. One instance per module instance; synchronous (it runs on the
// module's thread and blocks there through transport.wait()); it reaches bytes
// only through a SocketTransport.
//
// Every import converts its arguments to u32 first (wasm passes i32, which JS
// sees as signed), validates each pointer and length against memory as it is
// now, and answers a WASI errno. Nothing a module passes makes an import throw.

import type { Handle, Readiness, SocketTransport } from '../transport/types.js';
import * as w from '../wasi/index.js';
import { WasiErrnoError, checkRange, readIovecs, type Iovec } from '../wasi/index.js';
import { systemClock, type Clock } from './clock.js';
import { Epoll } from './epoll.js';
import { FdTable, type EpollFd, type FdEntry, type SocketFd } from './fd-table.js';
import { GuestMemory } from './guest-memory.js';

/** What a blocking call answers once the owner asked the module to stop. Not EINTR: loops retry EINTR. */
export const ERRNO_STOPPED = w.ERRNO_CANCELED;

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

/** poll_oneoff subscriptions per call at most; a poll over more fds than this is EINVAL (poll(2): nfds > RLIMIT_NOFILE). */
export const MAX_POLL_SUBSCRIPTIONS = 1 << 20;

/** A single transport.wait() sleeps at most this long; longer timeouts loop (and re-read the clock). */
const MAX_WAIT_MS = 1 << 30;

const CONNECTION_RIGHTS =
  w.RIGHTS_FD_READ |
  w.RIGHTS_FD_WRITE |
  w.RIGHTS_POLL_FD_READWRITE |
  w.RIGHTS_SOCK_SHUTDOWN |
  w.RIGHTS_FD_FDSTAT_SET_FLAGS |
  w.RIGHTS_FD_FILESTAT_GET;
const LISTENER_RIGHTS = w.RIGHTS_SOCK_ACCEPT | w.RIGHTS_POLL_FD_READWRITE | w.RIGHTS_FD_FDSTAT_SET_FLAGS | w.RIGHTS_FD_FILESTAT_GET;
const EPOLL_RIGHTS = w.RIGHTS_POLL_FD_READWRITE | w.RIGHTS_FD_FDSTAT_SET_FLAGS | w.RIGHTS_FD_FILESTAT_GET;

/** An import object's function as a runtime supplies it. */
export type WasiFunction = (...args: any[]) => unknown;
export type WasiFunctions = Readonly<Record<string, WasiFunction>>;

export interface SocketHostOptions {
  /** Time base for poll and epoll deadlines and the module's REALTIME/MONOTONIC clocks. Default: the system's. */
  clock?: Clock;
  /** Open descriptors at most (stdio and preopens included); past it accept/epoll_create/path_open answer EMFILE. Default 65536. */
  maxFds?: number;
  /**
   * Called when something other than the module's input made an import fail
   * (a transport or runtime bug): the import answers EIO instead of throwing.
   */
  onInternalError?: (error: unknown) => void;
}

export interface HostStats {
  /** Connections accepted by the module. */
  accepted: number;
  /** Connections the module closed. */
  closed: number;
  bytesIn: number;
  bytesOut: number;
  /** Connections open now. */
  open: number;
}

export interface RuntimeLayout {
  /**
   * The runtime's own numbers of its preopened directories, in order. They
   * appear to the module after the listeners (wasmtime's --tcplisten layout).
   */
  runtimePreopenFds: readonly number[];
}

const u32 = (v: unknown): number => Number(v) >>> 0;

export class SocketHost {
  readonly table: FdTable;
  private readonly memory = new GuestMemory();
  private readonly byHandle = new Map<Handle, SocketFd>();
  private readonly clock: Clock;
  private readonly onInternalError: ((error: unknown) => void) | undefined;
  private runtime: WasiFunctions | null = null;
  private counters = { accepted: 0, closed: 0, bytesIn: 0, bytesOut: 0 };

  constructor(
    readonly transport: SocketTransport,
    options: SocketHostOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.onInternalError = options.onInternalError;
    const maxFds = options.maxFds ?? 65536;
    if (!Number.isInteger(maxFds) || maxFds < 3) throw new RangeError(`maxFds must be an integer >= 3, got ${maxFds}`);
    this.table = new FdTable(maxFds);
    transport.onChange = (handle) => this.changed(this.byHandle.get(handle));
  }

  /** Gives the host the module's memory; call right after instantiation, before _start. */
  setMemory(memory: WebAssembly.Memory): void {
    this.memory.set(memory);
  }

  stats(): HostStats {
    return { ...this.counters, open: this.counters.accepted - this.counters.closed };
  }

  /**
   * Lays out the module's fd table: 0-2 the runtime's stdio, then the
   * transport's listeners at 3, 4, …, then the runtime's preopened directories.
   * composeImports calls this; once per host.
   */
  attachRuntime(runtime: WasiFunctions, layout: RuntimeLayout): void {
    if (this.runtime !== null) throw new Error('this SocketHost already serves a module instance');
    const preopens = layout.runtimePreopenFds;
    if (new Set(preopens).size !== preopens.length || preopens.some((fd) => !Number.isInteger(fd) || fd < 3)) {
      throw new RangeError(`runtimePreopenFds must be distinct runtime fds >= 3, got [${preopens.join(', ')}]`);
    }
    if (3 + this.transport.listeners.length + preopens.length > this.table.maxFds) {
      throw new RangeError(`maxFds ${this.table.maxFds} leaves no room for stdio, the listeners and the preopens`);
    }
    this.runtime = runtime;
    for (let fd = 0; fd < 3; fd++) this.table.place(fd, { kind: 'runtime', rt: fd, preopen: false });
    for (const handle of this.transport.listeners) this.table.allocate(this.newSocket(handle, true, 0));
    for (const rt of preopens) this.table.allocate({ kind: 'runtime', rt, preopen: true });
  }

  /** Closes every socket and epoll set still in the table (the module has ended). Runtime fds stay the runtime's. */
  closeSockets(): void {
    for (const [fd, entry] of Array.from(this.table.entries())) {
      if (entry.kind === 'runtime') continue;
      this.table.remove(fd);
      this.release(entry);
    }
  }

  /** The entry behind a module fd (as wasm passes it: any i32), for composeImports' routing. */
  lookup(fd: number): FdEntry | undefined {
    return this.table.get(u32(fd));
  }

  /** Wraps an import so that a bad pointer or length becomes its errno and nothing else escapes. */
  guard<A extends unknown[]>(fn: (...args: A) => number): (...args: A) => number {
    return (...args: A): number => {
      try {
        return fn(...args);
      } catch (error) {
        return this.errnoOf(error);
      }
    };
  }

  errnoOf(error: unknown): number {
    if (error instanceof WasiErrnoError) return error.errno;
    // DataView/TypedArray bounds: a runtime function given a bad pointer.
    if (error instanceof RangeError) return w.ERRNO_FAULT;
    this.onInternalError?.(error);
    return w.ERRNO_IO;
  }

  // ---- wasi_snapshot_preview1: sockets -------------------------------------

  sock_accept = this.guard((fd: number, flags: number, roFd: number): number => {
    const sock = this.socketOf(u32(fd));
    if (typeof sock === 'number') return sock;
    flags = u32(flags);
    if ((flags & ~w.FDFLAGS_NONBLOCK) !== 0) return w.ERRNO_INVAL;
    if (!sock.listener) return w.ERRNO_INVAL;
    if (!(sock.rightsBase & w.RIGHTS_SOCK_ACCEPT)) return w.ERRNO_NOTCAPABLE;
    checkRange(this.memory.view(), u32(roFd), 4);
    for (;;) {
      // EMFILE before taking the connection, so that it stays pending (as accept(2)).
      if (this.table.full) return w.ERRNO_MFILE;
      const conn = this.transport.accept(sock.handle);
      if (conn >= 0) {
        const entry = this.newSocket(conn, false, flags);
        const newFd = this.table.allocate(entry);
        w.writeU32(this.memory.view(), u32(roFd), newFd);
        this.counters.accepted++;
        return w.ERRNO_SUCCESS;
      }
      const again = this.blockOrFail(sock, conn);
      if (again !== 0) return again;
    }
  });

  sock_recv = this.guard((fd: number, riData: number, riDataLen: number, riFlags: number, roDataLen: number, roFlags: number): number => {
    const sock = this.socketOf(u32(fd));
    if (typeof sock === 'number') return sock;
    riFlags = u32(riFlags);
    if ((riFlags & ~(w.RIFLAGS_RECV_PEEK | w.RIFLAGS_RECV_WAITALL)) !== 0) return w.ERRNO_INVAL;
    if (sock.listener) return w.ERRNO_NOTCONN;
    if (!(sock.rightsBase & w.RIGHTS_FD_READ)) return w.ERRNO_NOTCAPABLE;
    const view = this.memory.view();
    checkRange(view, u32(roDataLen), 4);
    checkRange(view, u32(roFlags), 2);
    const iovs = readIovecs(view, u32(riData), u32(riDataLen));
    const n = this.receive(sock, iovs, (riFlags & w.RIFLAGS_RECV_PEEK) !== 0, (riFlags & w.RIFLAGS_RECV_WAITALL) !== 0);
    if (n < 0) return -n;
    const after = this.memory.view();
    after.setUint32(u32(roDataLen), n, true);
    // Stream sockets never truncate a message.
    after.setUint16(u32(roFlags), 0, true);
    return w.ERRNO_SUCCESS;
  });

  sock_send = this.guard((fd: number, siData: number, siDataLen: number, siFlags: number, soDataLen: number): number => {
    const sock = this.socketOf(u32(fd));
    if (typeof sock === 'number') return sock;
    if (u32(siFlags) !== 0) return w.ERRNO_INVAL;
    if (sock.listener) return w.ERRNO_NOTCONN;
    if (!(sock.rightsBase & w.RIGHTS_FD_WRITE)) return w.ERRNO_NOTCAPABLE;
    const view = this.memory.view();
    checkRange(view, u32(soDataLen), 4);
    const n = this.transmit(sock, readIovecs(view, u32(siData), u32(siDataLen)));
    if (n < 0) return -n;
    this.memory.view().setUint32(u32(soDataLen), n, true);
    return w.ERRNO_SUCCESS;
  });

  sock_shutdown = this.guard((fd: number, how: number): number => {
    const sock = this.socketOf(u32(fd));
    if (typeof sock === 'number') return sock;
    how = u32(how);
    if (how === 0 || (how & ~(w.SDFLAGS_RD | w.SDFLAGS_WR)) !== 0) return w.ERRNO_INVAL;
    if (sock.listener) return w.ERRNO_NOTCONN;
    if (!(sock.rightsBase & w.RIGHTS_SOCK_SHUTDOWN)) return w.ERRNO_NOTCAPABLE;
    // SDFLAGS_RD/WR are the transport's SHUT_RD/SHUT_WR bit for bit.
    const r = this.transport.shutdown(sock.handle, how);
    if (r < 0) return -r;
    if (how & w.SDFLAGS_WR) {
      sock.shutWr = true;
      // With the peer's FIN already in, the connection is now fully hung up (EPOLLHUP).
      this.changed(sock);
    }
    return w.ERRNO_SUCCESS;
  });

  // ---- wasi_snapshot_preview1: fd_* that may name a socket ---------------

  fd_read = this.guard((fd: number, iovs: number, iovsLen: number, nread: number): number => {
    const entry = this.table.get(u32(fd));
    if (entry === undefined) return w.ERRNO_BADF;
    if (entry.kind === 'runtime') return this.callRuntimeIo('fd_read', entry.rt, iovs, iovsLen, nread);
    if (entry.kind === 'epoll') return w.ERRNO_INVAL;
    if (entry.listener) return w.ERRNO_NOTCONN;
    if (!(entry.rightsBase & w.RIGHTS_FD_READ)) return w.ERRNO_NOTCAPABLE;
    const view = this.memory.view();
    checkRange(view, u32(nread), 4);
    const n = this.receive(entry, readIovecs(view, u32(iovs), u32(iovsLen)), false, false);
    if (n < 0) return -n;
    this.memory.view().setUint32(u32(nread), n, true);
    return w.ERRNO_SUCCESS;
  });

  fd_write = this.guard((fd: number, iovs: number, iovsLen: number, nwritten: number): number => {
    const entry = this.table.get(u32(fd));
    if (entry === undefined) return w.ERRNO_BADF;
    if (entry.kind === 'runtime') return this.callRuntimeIo('fd_write', entry.rt, iovs, iovsLen, nwritten);
    if (entry.kind === 'epoll') return w.ERRNO_INVAL;
    if (entry.listener) return w.ERRNO_NOTCONN;
    if (!(entry.rightsBase & w.RIGHTS_FD_WRITE)) return w.ERRNO_NOTCAPABLE;
    const view = this.memory.view();
    checkRange(view, u32(nwritten), 4);
    const n = this.transmit(entry, readIovecs(view, u32(iovs), u32(iovsLen)));
    if (n < 0) return -n;
    this.memory.view().setUint32(u32(nwritten), n, true);
    return w.ERRNO_SUCCESS;
  });

  fd_close = this.guard((fd: number): number => {
    fd = u32(fd);
    const entry = this.table.remove(fd);
    if (entry === undefined) return w.ERRNO_BADF;
    // The number is free whatever the runtime answers, as with close(2).
    return this.release(entry);
  });

  fd_renumber = this.guard((from: number, to: number): number => {
    from = u32(from);
    to = u32(to);
    const source = this.table.get(from);
    const target = this.table.get(to);
    // Like uvwasi and browser_wasi_shim, `to` must be open: it is closed and replaced.
    if (source === undefined || target === undefined) return w.ERRNO_BADF;
    if (from === to) return w.ERRNO_SUCCESS;
    this.table.remove(to);
    // As dup2(2), a failure to close the replaced descriptor is not reported.
    this.release(target);
    this.table.move(from, to);
    return w.ERRNO_SUCCESS;
  });

  fd_fdstat_get = this.guard((fd: number, stat: number): number => {
    const entry = this.table.get(u32(fd));
    if (entry === undefined) return w.ERRNO_BADF;
    if (entry.kind === 'runtime') {
      // uvwasi answers EINVAL for a pointer outside memory; the host's answer is EFAULT.
      checkRange(this.memory.view(), u32(stat), w.FDSTAT_SIZE);
      return this.callRuntime('fd_fdstat_get', entry.rt, stat);
    }
    w.writeFdstat(
      this.memory.view(),
      u32(stat),
      entry.kind === 'socket'
        ? { filetype: w.FILETYPE_SOCKET_STREAM, flags: entry.fdflags, rightsBase: entry.rightsBase, rightsInheriting: entry.rightsInheriting }
        : { filetype: w.FILETYPE_UNKNOWN, flags: entry.fdflags, rightsBase: EPOLL_RIGHTS, rightsInheriting: 0n },
    );
    return w.ERRNO_SUCCESS;
  });

  fd_fdstat_set_flags = this.guard((fd: number, flags: number): number => {
    const entry = this.table.get(u32(fd));
    if (entry === undefined) return w.ERRNO_BADF;
    flags = u32(flags);
    // Before the runtime: uvwasi passes unknown bits to fcntl(F_SETFL) on the real fd and answers success.
    if ((flags & ~w.FDFLAGS_ALL) !== 0) return w.ERRNO_INVAL;
    if (entry.kind === 'runtime') return this.callRuntime('fd_fdstat_set_flags', entry.rt, flags);
    // Only NONBLOCK changes behaviour; the others are kept and reported, as
    // Linux keeps O_APPEND on a socket.
    entry.fdflags = flags;
    return w.ERRNO_SUCCESS;
  });

  fd_fdstat_set_rights = this.guard((fd: number, base: bigint, inheriting: bigint): number => {
    const entry = this.table.get(u32(fd));
    if (entry === undefined) return w.ERRNO_BADF;
    if (entry.kind === 'runtime') return this.callRuntime('fd_fdstat_set_rights', entry.rt, base, inheriting);
    if (entry.kind === 'epoll') return w.ERRNO_NOTSUP;
    const b = BigInt.asUintN(64, BigInt(base));
    const i = BigInt.asUintN(64, BigInt(inheriting));
    // Rights can only be dropped.
    if ((b & ~entry.rightsBase) !== 0n || (i & ~entry.rightsInheriting) !== 0n) return w.ERRNO_NOTCAPABLE;
    entry.rightsBase = b;
    entry.rightsInheriting = i;
    return w.ERRNO_SUCCESS;
  });

  fd_filestat_get = this.guard((fd: number, buf: number): number => {
    const entry = this.table.get(u32(fd));
    if (entry === undefined) return w.ERRNO_BADF;
    if (entry.kind === 'runtime') return this.callRuntime('fd_filestat_get', entry.rt, buf);
    w.writeFilestat(this.memory.view(), u32(buf), {
      dev: 0n,
      ino: 0n,
      filetype: entry.kind === 'socket' ? w.FILETYPE_SOCKET_STREAM : w.FILETYPE_UNKNOWN,
      nlink: 1n,
      size: 0n,
      atim: 0n,
      mtim: 0n,
      ctim: 0n,
    });
    return w.ERRNO_SUCCESS;
  });

  fd_prestat_get = this.guard((fd: number, buf: number): number => {
    fd = u32(fd);
    const entry = this.table.get(fd);
    if (entry === undefined) return w.ERRNO_BADF;
    if (entry.kind === 'runtime' && entry.preopen) return this.callRuntime('fd_prestat_get', entry.rt, buf);
    // Not a preopened directory: see PRESTAT_TAG_NOT_A_DIR for why a success
    // when a preopen sits above, and EBADF (end of the scan) otherwise.
    if (this.table.highestPreopen() < fd) return w.ERRNO_BADF;
    w.writePrestat(this.memory.view(), u32(buf), { tag: PRESTAT_TAG_NOT_A_DIR, nameLen: 0 });
    return w.ERRNO_SUCCESS;
  });

  fd_prestat_dir_name = this.guard((fd: number, path: number, pathLen: number): number => {
    const entry = this.table.get(u32(fd));
    if (entry === undefined) return w.ERRNO_BADF;
    if (entry.kind !== 'runtime') return w.ERRNO_BADF;
    return this.callRuntime('fd_prestat_dir_name', entry.rt, path, pathLen);
  });

  path_open = this.guard(
    (dirfd: number, dirflags: number, path: number, pathLen: number, oflags: number, base: bigint, inheriting: bigint, fdflags: number, opened: number): number => {
      const dir = this.table.get(u32(dirfd));
      if (dir === undefined) return w.ERRNO_BADF;
      if (dir.kind !== 'runtime') return w.ERRNO_NOTDIR;
      // Checked first so that a bad pointer cannot leave a runtime fd open behind the module's back.
      checkRange(this.memory.view(), u32(opened), 4);
      if (this.table.full) return w.ERRNO_MFILE;
      const r = this.callRuntime('path_open', dir.rt, dirflags, path, pathLen, oflags, base, inheriting, fdflags, opened);
      if (r !== w.ERRNO_SUCCESS) return r;
      const view = this.memory.view();
      const rt = w.readU32(view, u32(opened));
      w.writeU32(view, u32(opened), this.table.allocate({ kind: 'runtime', rt, preopen: false }));
      return w.ERRNO_SUCCESS;
    },
  );

  // ---- clocks (one time base for the module and for poll deadlines) --------

  clock_time_get = this.guard((id: number, precision: bigint, time: number): number => {
    id = u32(id);
    if (id === w.CLOCKID_REALTIME || id === w.CLOCKID_MONOTONIC) {
      w.writeU64(this.memory.view(), u32(time), id === w.CLOCKID_REALTIME ? this.clock.realtimeNs() : this.clock.monotonicNs());
      return w.ERRNO_SUCCESS;
    }
    return this.callRuntime('clock_time_get', id, precision, time);
  });

  clock_res_get = this.guard((id: number, resolution: number): number => {
    id = u32(id);
    if (id === w.CLOCKID_REALTIME || id === w.CLOCKID_MONOTONIC) {
      w.writeU64(this.memory.view(), u32(resolution), this.clock.resolutionNs);
      return w.ERRNO_SUCCESS;
    }
    return this.callRuntime('clock_res_get', id, resolution);
  });

  // ---- poll_oneoff -------------------------------------------------------

  poll_oneoff = this.guard((inPtr: number, outPtr: number, nsubscriptions: number, neventsPtr: number): number => {
    inPtr = u32(inPtr);
    outPtr = u32(outPtr);
    neventsPtr = u32(neventsPtr);
    const n = u32(nsubscriptions);
    if (n === 0 || n > MAX_POLL_SUBSCRIPTIONS) return w.ERRNO_INVAL;
    const view = this.memory.view();
    checkRange(view, inPtr, n * w.SUBSCRIPTION_SIZE);
    checkRange(view, outPtr, n * w.EVENT_SIZE);
    checkRange(view, neventsPtr, 4);

    // Collect pending readiness reports (and let the transport flush queued sends).
    this.transport.wait(0);

    // Every subscription is decoded before any event is written: the two
    // arrays may overlap.
    const immediate: w.Event[] = [];
    const sockets: { sub: w.Subscription; sock: SocketFd }[] = [];
    const epolls: { sub: w.Subscription; epoll: Epoll }[] = [];
    const clocks: { sub: w.Subscription; deadline: bigint }[] = [];
    const start = this.clock.monotonicNs();
    for (let i = 0; i < n; i++) {
      const sub = w.readSubscription(view, inPtr + i * w.SUBSCRIPTION_SIZE);
      if (sub.tag === w.EVENTTYPE_CLOCK) {
        if (sub.clockId !== w.CLOCKID_REALTIME && sub.clockId !== w.CLOCKID_MONOTONIC) {
          immediate.push(errorEvent(sub, w.ERRNO_INVAL));
          continue;
        }
        let deadline = start + sub.timeout;
        if (sub.flags & w.SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME) {
          // An absolute REALTIME deadline becomes a monotonic one: the wait
          // below is measured on the monotonic clock.
          deadline = sub.clockId === w.CLOCKID_MONOTONIC ? sub.timeout : start + (sub.timeout - this.clock.realtimeNs());
        }
        clocks.push({ sub, deadline });
      } else if (sub.tag === w.EVENTTYPE_FD_READ || sub.tag === w.EVENTTYPE_FD_WRITE) {
        const entry = this.table.get(sub.fd);
        if (entry === undefined) immediate.push(errorEvent(sub, w.ERRNO_BADF));
        // A runtime fd (a file, a directory, stdio, even stdin) counts as
        // always ready: the runtimes have no readiness to ask (a regular file
        // is always ready on POSIX too), and a read on stdin then blocks in
        // the runtime as it would have without poll.
        else if (entry.kind === 'runtime') immediate.push({ userdata: sub.userdata, error: 0, type: sub.tag, nbytes: 0n, flags: 0 });
        else if (entry.kind === 'socket') sockets.push({ sub, sock: entry });
        // An epoll fd is readable when epoll_wait would report something, never writable (as on Linux).
        else if (sub.tag === w.EVENTTYPE_FD_READ) epolls.push({ sub, epoll: entry.epoll });
      } else {
        immediate.push(errorEvent(sub, w.ERRNO_INVAL));
      }
    }

    for (;;) {
      const events = immediate.slice();
      let lastHandle = -1;
      let last: Readiness | null = null;
      for (const { sub, sock } of sockets) {
        // wasi-libc's poll() puts a pollfd's read and write subscriptions next to each other: ask once.
        if (sock.handle !== lastHandle || last === null) {
          last = this.transport.poll(sock.handle);
          lastHandle = sock.handle;
        }
        const event = socketEvent(sub, last, fullHangup(last, sock));
        if (event !== null) events.push(event);
      }
      for (const { sub, epoll } of epolls) {
        if (epoll.hasEvents()) events.push({ userdata: sub.userdata, error: 0, type: sub.tag, nbytes: 0n, flags: 0 });
      }
      const now = this.clock.monotonicNs();
      let earliest: bigint | null = null;
      for (const { sub, deadline } of clocks) {
        if (deadline <= now) events.push({ userdata: sub.userdata, error: 0, type: w.EVENTTYPE_CLOCK, nbytes: 0n, flags: 0 });
        else if (earliest === null || deadline < earliest) earliest = deadline;
      }
      if (events.length > 0) {
        const out = this.memory.view();
        events.forEach((event, i) => w.writeEvent(out, outPtr + i * w.EVENT_SIZE, event));
        out.setUint32(neventsPtr, events.length, true);
        return w.ERRNO_SUCCESS;
      }
      if (this.transport.stopping) return ERRNO_STOPPED;
      this.transport.wait(earliest === null ? -1 : msUntil(earliest, now));
    }
  });

  // ---- wasix_32v1 epoll ----------------------------------------------------

  epoll_create = this.guard((retFd: number): number => {
    checkRange(this.memory.view(), u32(retFd), 4);
    const entry: EpollFd = { kind: 'epoll', epoll: new Epoll((sock) => this.epollEventsOf(sock)), fdflags: 0 };
    const fd = this.table.allocate(entry);
    if (fd < 0) return w.ERRNO_MFILE;
    w.writeU32(this.memory.view(), u32(retFd), fd);
    return w.ERRNO_SUCCESS;
  });

  epoll_ctl = this.guard((epfd: number, op: number, fd: number, event: number): number => {
    epfd = u32(epfd);
    fd = u32(fd);
    op = u32(op);
    const ep = this.table.get(epfd);
    const target = this.table.get(fd);
    if (ep === undefined || target === undefined) return w.ERRNO_BADF;
    if (ep.kind !== 'epoll' || epfd === fd) return w.ERRNO_INVAL;
    if (op !== w.EPOLL_CTL_ADD && op !== w.EPOLL_CTL_MOD && op !== w.EPOLL_CTL_DEL) return w.ERRNO_INVAL;
    if (target.kind !== 'socket') return w.ERRNO_NOTSUP;
    const epoll = ep.epoll;
    const existing = epoll.interests.get(target);
    if (op === w.EPOLL_CTL_DEL) {
      if (existing === undefined) return w.ERRNO_NOENT;
      epoll.remove(existing);
      return w.ERRNO_SUCCESS;
    }
    const { events, data } = w.readEpollEvent(this.memory.view(), u32(event));
    if (op === w.EPOLL_CTL_ADD) {
      if (existing !== undefined) return w.ERRNO_EXIST;
      epoll.add(target, events, data);
    } else {
      if (existing === undefined) return w.ERRNO_NOENT;
      epoll.modify(existing, events, data);
    }
    return w.ERRNO_SUCCESS;
  });

  epoll_wait = this.guard((epfd: number, eventsPtr: number, maxevents: number, timeoutNs: bigint | number, retN: number): number => {
    const ep = this.table.get(u32(epfd));
    if (ep === undefined) return w.ERRNO_BADF;
    if (ep.kind !== 'epoll') return w.ERRNO_INVAL;
    // maxevents is a C int.
    const max = Number(maxevents) | 0;
    if (max <= 0) return w.ERRNO_INVAL;
    const timeout = toInt64(timeoutNs);
    if (timeout === null) return w.ERRNO_INVAL;
    eventsPtr = u32(eventsPtr);
    retN = u32(retN);
    const view = this.memory.view();
    checkRange(view, eventsPtr, max * w.EPOLL_EVENT_SIZE);
    checkRange(view, retN, 4);

    // Collect pending readiness reports: the ready lists are kept by them.
    this.transport.wait(0);
    // u64::MAX, as the WASIX ABI spells "no timeout", is -1 as an i64.
    const deadline = timeout < 0n ? null : this.clock.monotonicNs() + timeout;
    for (;;) {
      const out = this.memory.view();
      const n = ep.epoll.harvest(max, (interest, events, index) => {
        w.writeEpollEvent(out, eventsPtr + index * w.EPOLL_EVENT_SIZE, events, interest.data);
      });
      if (n > 0 || timeout === 0n) {
        out.setUint32(retN, n, true);
        return w.ERRNO_SUCCESS;
      }
      if (this.transport.stopping) return ERRNO_STOPPED;
      const now = this.clock.monotonicNs();
      if (deadline !== null && deadline <= now) {
        out.setUint32(retN, 0, true);
        return w.ERRNO_SUCCESS;
      }
      this.transport.wait(deadline === null ? -1 : msUntil(deadline, now));
    }
  });

  // ---- internals -----------------------------------------------------------

  private newSocket(handle: Handle, listener: boolean, fdflags: number): SocketFd {
    const entry: SocketFd = {
      kind: 'socket',
      handle,
      listener,
      fdflags,
      rightsBase: listener ? LISTENER_RIGHTS : CONNECTION_RIGHTS,
      rightsInheriting: listener ? CONNECTION_RIGHTS : 0n,
      shutWr: false,
      interests: new Set(),
    };
    this.byHandle.set(handle, entry);
    return entry;
  }

  /** The socket at `fd`, or the errno for a missing (EBADF) or non-socket (ENOTSOCK) fd. */
  private socketOf(fd: number): SocketFd | number {
    const entry = this.table.get(fd);
    if (entry === undefined) return w.ERRNO_BADF;
    if (entry.kind !== 'socket') return w.ERRNO_NOTSOCK;
    return entry;
  }

  /** Drops what an entry holds once it left the table; returns the close result. */
  private release(entry: FdEntry): number {
    switch (entry.kind) {
      case 'runtime':
        return this.callRuntime('fd_close', entry.rt);
      case 'epoll':
        entry.epoll.clear();
        return w.ERRNO_SUCCESS;
      case 'socket':
        // As on Linux when the last reference goes: out of every epoll set.
        for (const interest of Array.from(entry.interests)) interest.epoll.remove(interest);
        this.byHandle.delete(entry.handle);
        this.transport.close(entry.handle);
        if (!entry.listener) {
          this.counters.closed++;
        }
        return w.ERRNO_SUCCESS;
    }
  }

  private changed(sock: SocketFd | undefined): void {
    if (sock === undefined) return;
    for (const interest of sock.interests) interest.epoll.notify(interest);
  }

  /**
   * After a transport result `r` < 0: 0 when the caller should retry (after
   * blocking until something changed), otherwise the errno to answer.
   */
  private blockOrFail(sock: SocketFd, r: number): number {
    if (r !== -w.ERRNO_AGAIN) return -r;
    if (sock.fdflags & w.FDFLAGS_NONBLOCK) return w.ERRNO_AGAIN;
    if (this.transport.stopping) return ERRNO_STOPPED;
    this.transport.wait(-1);
    return 0;
  }

  /** recv semantics on a connection: a byte count, 0 at EOF, or -errno. */
  private receive(sock: SocketFd, iovs: readonly Iovec[], peek: boolean, waitAll: boolean): number {
    const mem = this.memory.bytes();
    const views = iovs.map((iov) => mem.subarray(iov.buf, iov.buf + iov.len));
    const total = views.reduce((sum, v) => sum + v.length, 0);
    if (total === 0) return 0;
    const blocking = (sock.fdflags & w.FDFLAGS_NONBLOCK) === 0;
    let got = 0;
    for (;;) {
      if (peek && waitAll && blocking) {
        // MSG_PEEK|MSG_WAITALL: wait until the whole request is buffered (or it never will be).
        const r = this.transport.poll(sock.handle);
        if (r.nread < total && !r.hangup && r.error === 0) {
          if (this.transport.stopping) return -ERRNO_STOPPED;
          this.transport.wait(-1);
          continue;
        }
      }
      const n = this.transport.recv(sock.handle, got === 0 ? views : skip(views, got), peek);
      if (n > 0) {
        if (!peek) this.counters.bytesIn += n;
        got += n;
        if (peek || !waitAll || !blocking || got >= total) return got;
        continue;
      }
      if (n === 0) return got;
      // Part of a WAITALL request is in: only "nothing more yet" keeps it waiting.
      if (got > 0 && (n !== -w.ERRNO_AGAIN || this.transport.stopping)) return got;
      const again = this.blockOrFail(sock, n);
      if (again !== 0) return got > 0 ? got : -again;
    }
  }

  /** send semantics: a blocking socket queues everything (or fails); a nonblocking one what fits. */
  private transmit(sock: SocketFd, iovs: readonly Iovec[]): number {
    const mem = this.memory.bytes();
    const views = iovs.map((iov) => mem.subarray(iov.buf, iov.buf + iov.len));
    const total = views.reduce((sum, v) => sum + v.length, 0);
    if (total === 0) return 0;
    let sent = 0;
    for (;;) {
      const n = this.transport.send(sock.handle, sent === 0 ? views : skip(views, sent));
      if (n > 0) {
        this.counters.bytesOut += n;
        sent += n;
        if (sent >= total || sock.fdflags & w.FDFLAGS_NONBLOCK) return sent;
        continue;
      }
      // A transport that accepted nothing without saying EAGAIN is treated as full.
      const r = n === 0 ? -w.ERRNO_AGAIN : n;
      if (sent > 0 && (r !== -w.ERRNO_AGAIN || sock.fdflags & w.FDFLAGS_NONBLOCK || this.transport.stopping)) return sent;
      const again = this.blockOrFail(sock, r);
      if (again !== 0) return -again;
    }
  }

  private epollEventsOf(sock: SocketFd): number {
    const r = this.transport.poll(sock.handle);
    let events = 0;
    // EOF and errors are readable: read() returns at once.
    if (r.readable || r.hangup || r.error !== 0) events |= w.EPOLLIN;
    if (r.writable) events |= w.EPOLLOUT;
    if (r.hangup) events |= w.EPOLLRDHUP;
    if (r.error !== 0) events |= w.EPOLLERR;
    if (fullHangup(r, sock)) events |= w.EPOLLHUP;
    return events;
  }

  /**
   * fd_read/fd_write on a runtime fd, with the arguments checked first: the
   * runtimes do not all check. browser_wasi_shim clamps a length that runs
   * past memory and writes what is there (64 KiB of the module's memory to
   * stdout, answering success), and writes before it finds the result
   * pointer out of bounds; uvwasi answers EOVERFLOW or EINVAL, not EFAULT.
   */
  private callRuntimeIo(name: 'fd_read' | 'fd_write', rt: number, iovs: number, iovsLen: number, resultPtr: number): number {
    if (this.runtime?.[name] === undefined) return w.ERRNO_NOSYS;
    const view = this.memory.view();
    readIovecs(view, u32(iovs), u32(iovsLen));
    checkRange(view, u32(resultPtr), 4);
    return this.callRuntime(name, rt, iovs, iovsLen, resultPtr);
  }

  private callRuntime(name: string, ...args: unknown[]): number {
    const fn = this.runtime?.[name];
    if (fn === undefined) return w.ERRNO_NOSYS;
    const r = fn(...args);
    return typeof r === 'number' ? r : w.ERRNO_SUCCESS;
  }
}

/**
 * POLLHUP / EPOLLHUP: the connection is gone both ways (RST, or the peer's FIN
 * after our own shutdown of writing; a listener being stopped). The peer's FIN
 * alone is not a hangup, as on Linux (it is EPOLLRDHUP, and EOF on read): it
 * matters because wasi-libc's poll() drops POLLOUT when it sees HANGUP, and a
 * server must still flush its output after a half-close.
 */
function fullHangup(r: Readiness, sock: SocketFd): boolean {
  return r.hangup && (r.error !== 0 || sock.shutWr || sock.listener);
}

// A pending socket error (RST) makes the socket ready with HANGUP, as POSIX
// poll/select do; recv/send then return the error itself. The event's error
// field is for failures of the subscription (a bad fd): wasi-libc's select()
// drops such events, so a reset peer would never be seen and the loop spin.
function socketEvent(sub: w.Subscription, r: Readiness, hangup: boolean): w.Event | null {
  const flags = hangup || r.error !== 0 ? w.EVENTRWFLAGS_FD_READWRITE_HANGUP : 0;
  if (r.error !== 0) return { userdata: sub.userdata, error: 0, type: sub.tag, nbytes: 0n, flags };
  if (sub.tag === w.EVENTTYPE_FD_READ) {
    if (!r.readable && !r.hangup) return null;
    return { userdata: sub.userdata, error: 0, type: sub.tag, nbytes: BigInt(r.nread), flags };
  }
  if (!r.writable && !hangup) return null;
  return { userdata: sub.userdata, error: 0, type: sub.tag, nbytes: BigInt(r.writable ? r.nwrite : 0), flags };
}

function errorEvent(sub: w.Subscription, errno: number): w.Event {
  return { userdata: sub.userdata, error: errno, type: sub.tag, nbytes: 0n, flags: 0 };
}

/** Whole milliseconds (rounded up, so a wait never ends before its deadline) from `now` to `deadline`. */
function msUntil(deadline: bigint, now: bigint): number {
  const ns = deadline - now;
  if (ns <= 0n) return 0;
  const ms = (ns + 999_999n) / 1_000_000n;
  return ms > BigInt(MAX_WAIT_MS) ? MAX_WAIT_MS : Number(ms);
}

function toInt64(v: unknown): bigint | null {
  if (typeof v === 'bigint') return BigInt.asIntN(64, v);
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt.asIntN(64, BigInt(Math.trunc(v)));
  return null;
}

/** The views past the first `offset` bytes. */
function skip(views: readonly Uint8Array[], offset: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const v of views) {
    if (offset >= v.length) {
      offset -= v.length;
      continue;
    }
    out.push(offset > 0 ? v.subarray(offset) : v);
    offset = 0;
  }
  return out;
}
