// Drives the socket host's imports directly, as a module would, over an
// in-memory network and a fake runtime. One harness per test.

import { composeImports, SocketHost, type SocketHostOptions, type WasiFunction } from '../../ts/host/index.js';
import { MemoryNetwork, type MemoryNetworkOptions } from '../../ts/transport/memory/network.js';
import type { SocketTransport } from '../../ts/transport/types.js';
import * as w from '../../ts/wasi/index.js';

const PAGE = 65536;

/** A bump allocator over a WebAssembly.Memory (the module's stack and heap, in tests). */
export class GuestHeap {
  private next = 1024;
  constructor(readonly memory: WebAssembly.Memory) {}

  view(): DataView {
    return new DataView(this.memory.buffer);
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  get size(): number {
    return this.memory.buffer.byteLength;
  }

  alloc(size: number, align = 8): number {
    const ptr = Math.ceil(this.next / align) * align;
    if (ptr + size > this.size) this.memory.grow(Math.ceil((ptr + size - this.size) / PAGE));
    this.next = ptr + size;
    return ptr;
  }

  put(data: Uint8Array | string): number {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const ptr = this.alloc(bytes.length, 1);
    this.bytes().set(bytes, ptr);
    return ptr;
  }

  get(ptr: number, len: number): Uint8Array {
    return this.bytes().slice(ptr, ptr + len);
  }

  u32(ptr: number): number {
    return this.view().getUint32(ptr, true);
  }

  /** An iovec array over fresh buffers of the given sizes. */
  iovecs(sizes: readonly number[]): { ptr: number; bufs: w.Iovec[] } {
    const bufs = sizes.map((len) => ({ buf: this.alloc(len, 1), len }));
    const ptr = this.alloc(bufs.length * w.IOVEC_SIZE);
    w.writeIovecs(this.view(), ptr, bufs);
    return { ptr, bufs };
  }
}

interface FakeFile {
  kind: 'stdio' | 'dir' | 'file';
  name: string;
  content: Uint8Array;
  written: number[];
}

/**
 * A runtime with its own fd numbers, like uvwasi: stdio 0-2, preopened dirs
 * from 3, path_open taking the lowest free number. It records every call.
 */
export class FakeRuntime {
  readonly calls: { name: string; args: unknown[] }[] = [];
  readonly fds = new Map<number, FakeFile>();
  heap: GuestHeap | null = null;
  readonly preopenFds: number[];

  constructor(preopenNames: readonly string[] = ['/data']) {
    for (let fd = 0; fd < 3; fd++) this.fds.set(fd, { kind: 'stdio', name: `stdio${fd}`, content: new Uint8Array(), written: [] });
    this.preopenFds = preopenNames.map((name, i) => {
      this.fds.set(3 + i, { kind: 'dir', name, content: new Uint8Array(), written: [] });
      return 3 + i;
    });
  }

  callsTo(name: string): unknown[][] {
    return this.calls.filter((c) => c.name === name).map((c) => c.args);
  }

  readonly imports: Record<string, WasiFunction> = (() => {
    const rec =
      (name: string, fn: (...args: number[]) => unknown): WasiFunction =>
      (...args: unknown[]) => {
        this.calls.push({ name, args });
        return fn(...(args as number[]));
      };
    const view = () => this.heap!.view();
    const file = (fd: number) => this.fds.get(fd);
    return {
      fd_write: rec('fd_write', (fd, iovs, n, out) => {
        const f = file(fd);
        if (!f) return w.ERRNO_BADF;
        let total = 0;
        for (const iov of w.readIovecs(view(), iovs, n)) {
          f.written.push(...this.heap!.get(iov.buf, iov.len));
          total += iov.len;
        }
        view().setUint32(out, total, true);
        return 0;
      }),
      fd_read: rec('fd_read', (fd, iovs, n, out) => {
        const f = file(fd);
        if (!f) return w.ERRNO_BADF;
        let total = 0;
        for (const iov of w.readIovecs(view(), iovs, n)) {
          const part = f.content.subarray(0, iov.len);
          this.heap!.bytes().set(part, iov.buf);
          f.content = f.content.subarray(part.length);
          total += part.length;
        }
        view().setUint32(out, total, true);
        return 0;
      }),
      fd_close: rec('fd_close', (fd) => (this.fds.delete(fd) ? 0 : w.ERRNO_BADF)),
      fd_fdstat_get: rec('fd_fdstat_get', (fd, ptr) => {
        const f = file(fd);
        if (!f) return w.ERRNO_BADF;
        const filetype = f.kind === 'dir' ? w.FILETYPE_DIRECTORY : f.kind === 'file' ? w.FILETYPE_REGULAR_FILE : w.FILETYPE_CHARACTER_DEVICE;
        w.writeFdstat(view(), ptr, { filetype, flags: 0, rightsBase: 0n, rightsInheriting: 0n });
        return 0;
      }),
      fd_fdstat_set_flags: rec('fd_fdstat_set_flags', (fd) => (file(fd) ? 0 : w.ERRNO_BADF)),
      fd_prestat_get: rec('fd_prestat_get', (fd, ptr) => {
        const f = file(fd);
        if (!f) return w.ERRNO_BADF;
        // uvwasi answers EINVAL for an open fd that is not a preopen: the host must never ask.
        if (f.kind !== 'dir') return w.ERRNO_INVAL;
        w.writePrestat(view(), ptr, { tag: w.PREOPENTYPE_DIR, nameLen: f.name.length });
        return 0;
      }),
      fd_prestat_dir_name: rec('fd_prestat_dir_name', (fd, ptr, len) => {
        const f = file(fd);
        if (!f || f.kind !== 'dir') return w.ERRNO_BADF;
        this.heap!.bytes().set(new TextEncoder().encode(f.name).subarray(0, len), ptr);
        return 0;
      }),
      path_open: rec('path_open', (dirfd, _dirflags, path, pathLen, _o, _b, _i, _f, opened) => {
        const dir = file(dirfd);
        if (!dir || dir.kind !== 'dir') return w.ERRNO_NOTDIR;
        let fd = 3;
        while (this.fds.has(fd)) fd++;
        const name = new TextDecoder().decode(this.heap!.get(path, pathLen));
        this.fds.set(fd, { kind: 'file', name, content: new TextEncoder().encode(`content of ${name}`), written: [] });
        view().setUint32(opened, fd, true);
        return 0;
      }),
      fd_seek: rec('fd_seek', (fd) => (file(fd) ? 0 : w.ERRNO_BADF)),
      path_unlink_file: rec('path_unlink_file', (fd) => (file(fd)?.kind === 'dir' ? 0 : w.ERRNO_NOTDIR)),
      path_rename: rec('path_rename', (fd, _p, _l, newFd) => (file(fd)?.kind === 'dir' && file(newFd)?.kind === 'dir' ? 0 : w.ERRNO_NOTDIR)),
      path_symlink: rec('path_symlink', (_p, _l, fd) => (file(fd)?.kind === 'dir' ? 0 : w.ERRNO_NOTDIR)),
      // Unchecked DataView writes, as browser_wasi_shim does: a bad pointer throws RangeError.
      args_sizes_get: rec('args_sizes_get', (argc, size) => {
        view().setUint32(argc, 0, true);
        view().setUint32(size, 0, true);
        return 0;
      }),
      // Returns nothing, as browser_wasi_shim's does.
      sched_yield: rec('sched_yield', () => undefined),
      proc_exit: rec('proc_exit', (code) => {
        throw new FakeExit(code);
      }),
      // Only here to prove it is never called: the host owns every socket import.
      sock_accept: rec('sock_accept', () => {
        throw new Error('sock_accept reached the runtime');
      }),
    };
  })();
}

export class FakeExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export interface HarnessOptions {
  net?: MemoryNetworkOptions;
  host?: SocketHostOptions;
  preopens?: readonly string[];
  pages?: number;
  /** Use a shared memory (as a module built with threads would). */
  shared?: boolean;
  /** The transport the host gets, made from the network (default: the network itself). */
  transport?: (net: MemoryNetwork) => SocketTransport;
}

export interface PollSub {
  userdata?: bigint;
  tag: number;
  fd?: number;
  clockId?: number;
  timeout?: bigint;
  flags?: number;
}

export function makeHarness(options: HarnessOptions = {}) {
  const net = new MemoryNetwork(options.net);
  const internalErrors: unknown[] = [];
  const host = new SocketHost(options.transport?.(net) ?? net, {
    control: net.control,
    clock: net.clock,
    onInternalError: (e) => internalErrors.push(e),
    ...options.host,
  });
  const runtime = new FakeRuntime(options.preopens);
  const imports = composeImports(runtime.imports, { runtimePreopenFds: runtime.preopenFds }, host);
  const pages = options.pages ?? 4;
  const memory = options.shared
    ? new WebAssembly.Memory({ initial: pages, maximum: Math.max(pages, 1024), shared: true })
    : new WebAssembly.Memory({ initial: pages, maximum: Math.max(pages, 1024) });
  host.setMemory(memory);
  const heap = new GuestHeap(memory);
  runtime.heap = heap;
  const wasi = imports.wasi_snapshot_preview1 as Record<string, (...args: (number | bigint)[]) => number>;
  const wasix = imports.wasix_32v1 as Record<string, (...args: (number | bigint)[]) => number>;

  const h = {
    net,
    host,
    runtime,
    imports,
    wasi,
    wasix,
    heap,
    memory,
    internalErrors,
    /** Module fd of listener i. */
    listenerFd: (i = 0) => 3 + i,

    accept(fd: number, flags = 0): { errno: number; fd: number } {
      const out = heap.alloc(4);
      const errno = wasi.sock_accept!(fd, flags, out);
      return { errno, fd: errno === 0 ? heap.u32(out) : -1 };
    },

    /** Accepts the connection `client` made (listener 0), as a nonblocking or blocking fd. */
    acceptNew(flags = w.FDFLAGS_NONBLOCK): number {
      const { errno, fd } = h.accept(h.listenerFd(), flags);
      if (errno !== 0) throw new Error(`accept: ${w.errnoName(errno)}`);
      return fd;
    },

    recv(fd: number, sizes: number | number[], flags = 0): { errno: number; data: Uint8Array; roflags: number } {
      const { ptr, bufs } = heap.iovecs(typeof sizes === 'number' ? [sizes] : sizes);
      const len = heap.alloc(4);
      const roflags = heap.alloc(4);
      heap.view().setUint32(roflags, 0xffff, true);
      const errno = wasi.sock_recv!(fd, ptr, bufs.length, flags, len, roflags);
      if (errno !== 0) return { errno, data: new Uint8Array(), roflags: -1 };
      return { errno, data: gather(heap, bufs, heap.u32(len)), roflags: heap.view().getUint16(roflags, true) };
    },

    send(fd: number, data: Uint8Array | string | (Uint8Array | string)[], flags = 0): { errno: number; n: number } {
      const parts = Array.isArray(data) ? data : [data];
      const bufs = parts.map((p) => {
        const bytes = typeof p === 'string' ? new TextEncoder().encode(p) : p;
        return { buf: heap.put(bytes), len: bytes.length };
      });
      const ptr = heap.alloc(bufs.length * w.IOVEC_SIZE);
      w.writeIovecs(heap.view(), ptr, bufs);
      const out = heap.alloc(4);
      const errno = wasi.sock_send!(fd, ptr, bufs.length, flags, out);
      return { errno, n: errno === 0 ? heap.u32(out) : -1 };
    },

    read(fd: number, size: number): { errno: number; data: Uint8Array } {
      const { ptr, bufs } = heap.iovecs([size]);
      const out = heap.alloc(4);
      const errno = wasi.fd_read!(fd, ptr, 1, out);
      return { errno, data: errno === 0 ? gather(heap, bufs, heap.u32(out)) : new Uint8Array() };
    },

    write(fd: number, data: Uint8Array | string): { errno: number; n: number } {
      const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
      const ptr = heap.alloc(w.IOVEC_SIZE);
      w.writeIovecs(heap.view(), ptr, [{ buf: heap.put(bytes), len: bytes.length }]);
      const out = heap.alloc(4);
      const errno = wasi.fd_write!(fd, ptr, 1, out);
      return { errno, n: errno === 0 ? heap.u32(out) : -1 };
    },

    fdstat(fd: number): { errno: number; stat: w.Fdstat | null } {
      const ptr = heap.alloc(w.FDSTAT_SIZE);
      const errno = wasi.fd_fdstat_get!(fd, ptr);
      return { errno, stat: errno === 0 ? w.readFdstat(heap.view(), ptr) : null };
    },

    poll(subs: readonly PollSub[]): { errno: number; events: w.Event[] } {
      const inPtr = heap.alloc(subs.length * w.SUBSCRIPTION_SIZE);
      subs.forEach((s, i) =>
        w.writeSubscription(heap.view(), inPtr + i * w.SUBSCRIPTION_SIZE, {
          userdata: s.userdata ?? BigInt(i),
          tag: s.tag,
          fd: s.fd ?? 0,
          clockId: s.clockId ?? 0,
          timeout: s.timeout ?? 0n,
          precision: 0n,
          flags: s.flags ?? 0,
        }),
      );
      const outPtr = heap.alloc(subs.length * w.EVENT_SIZE);
      const nevents = heap.alloc(4);
      const errno = wasi.poll_oneoff!(inPtr, outPtr, subs.length, nevents);
      if (errno !== 0) return { errno, events: [] };
      const n = heap.u32(nevents);
      return { errno, events: Array.from({ length: n }, (_, i) => w.readEvent(heap.view(), outPtr + i * w.EVENT_SIZE)) };
    },

    epollCreate(): number {
      const out = heap.alloc(4);
      const errno = wasix.epoll_create!(out);
      if (errno !== 0) throw new Error(`epoll_create: ${w.errnoName(errno)}`);
      return heap.u32(out);
    },

    epollCtl(epfd: number, op: number, fd: number, events: number, data: Partial<w.EpollData> = {}): number {
      const ptr = heap.alloc(w.EPOLL_EVENT_SIZE);
      w.writeEpollEvent(heap.view(), ptr, events, w.encodeEpollData({ ptr: 0, fd, data1: 0, data2: 0n, ...data }));
      return wasix.epoll_ctl!(epfd, op, fd, ptr);
    },

    epollWait(epfd: number, max = 64, timeoutNs: bigint = 0n): { errno: number; events: { events: number; data: w.EpollData }[] } {
      const ptr = heap.alloc(max * w.EPOLL_EVENT_SIZE);
      const out = heap.alloc(4);
      const errno = wasix.epoll_wait!(epfd, ptr, max, timeoutNs, out);
      if (errno !== 0) return { errno, events: [] };
      return {
        errno,
        events: Array.from({ length: heap.u32(out) }, (_, i) => {
          const e = w.readEpollEvent(heap.view(), ptr + i * w.EPOLL_EVENT_SIZE);
          return { events: e.events, data: w.decodeEpollData(e.data) };
        }),
      };
    },
  };
  return h;
}

export type Harness = ReturnType<typeof makeHarness>;

function gather(heap: GuestHeap, bufs: readonly w.Iovec[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let at = 0;
  for (const b of bufs) {
    if (at >= n) break;
    const take = Math.min(b.len, n - at);
    out.set(heap.get(b.buf, take), at);
    at += take;
  }
  return out;
}

export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
export const NS_PER_MS = 1_000_000n;
