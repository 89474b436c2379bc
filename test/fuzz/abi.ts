// Every import a module can call, as the fuzzer sees it: each parameter's
// role (from wasi_snapshot_preview1.witx, the WASIX epoll ABI in
// shared/DESIGN.md and WASIX's socket calls, ts/host/wasix-sockets.ts), which says both how to make an argument for it and which
// bytes of memory the call may write. The bytes a call may write are exactly
// its out-parameters: the fixed-size results (`out`), and the buffers it
// fills (`iovs`/`buf` marked `into`, poll_oneoff's and epoll_wait's event
// arrays, args_get's and environ_get's vectors). Nothing else may change.

import * as w from '../../ts/wasi/index.js';

export type I64Kind = 'time' | 'offset' | 'length' | 'size' | 'rights' | 'cookie' | 'timeout';

export type Role =
  | { kind: 'fd' }
  /** A pointer to a result of `size` bytes. */
  | { kind: 'out'; size: number }
  /** A pointer to an iovec array; the next parameter is its count. `into`: the call fills the buffers. */
  | { kind: 'iovs'; into: boolean }
  /** A pointer to bytes; the next parameter is their length. `into`: the call fills them. */
  | { kind: 'buf'; into: boolean }
  /** A pointer to a path; the next parameter is its length. */
  | { kind: 'path' }
  /** The count or length of the pointer before it (or of `subs`, for poll_oneoff). */
  | { kind: 'len' }
  /** Bits, of which `valid` mean something. */
  | { kind: 'flags'; valid: number }
  /** An enumeration whose values 0 .. count-1 mean something. */
  | { kind: 'enum'; count: number }
  | { kind: 'i64'; what: I64Kind }
  /** Any i32 (an exit code). */
  | { kind: 'code' }
  /** poll_oneoff: the subscriptions in, the events out (as many as subscriptions: the parameter `count`). */
  | { kind: 'subs' }
  | { kind: 'events'; count: number }
  /** epoll_ctl's event in; epoll_wait's events out (maxevents: the next parameter, an i32). */
  | { kind: 'epollEvent' }
  | { kind: 'epollEvents' }
  /** A WASIX addr_port the call reads (ADDR_PORT_SIZE bytes): an address to bind or connect to. */
  | { kind: 'addr' }
  /** `resolve`'s host name (the next parameter is its length). */
  | { kind: 'hostName' }
  /** `resolve`'s addr_ip array out; the next parameter is its count. */
  | { kind: 'addrIps' }
  /** args_get / environ_get: the pointer vector and the string buffer, sized by the config. */
  | { kind: 'vector'; of: 'args' | 'env' }
  | { kind: 'vectorBuf'; of: 'args' | 'env' };

export type ImportModule = 'wasi_snapshot_preview1' | 'wasix_32v1';

export interface ImportSpec {
  module: ImportModule;
  params: readonly Role[];
  /**
   * How long it may take. 'prompt': it never waits. 'maybe': it may wait for
   * the network with no limit (a blocking socket). A function: the limit its
   * arguments set, in ms (null: none).
   */
  waits: 'prompt' | 'maybe' | ((args: readonly Arg[], view: DataView, clock: FuzzClock) => number | null);
  /** It ends the module by throwing (proc_exit; proc_raise may). */
  ends?: boolean;
}

export type Arg = number | bigint;

export interface FuzzClock {
  realtimeNs(): bigint;
  monotonicNs(): bigint;
}

const fd = { kind: 'fd' } as const;
const len = { kind: 'len' } as const;
const path = { kind: 'path' } as const;
const out = (size: number) => ({ kind: 'out', size }) as const;
const i64 = (what: I64Kind) => ({ kind: 'i64', what }) as const;
const flags = (valid: number) => ({ kind: 'flags', valid }) as const;
const enumOf = (count: number) => ({ kind: 'enum', count }) as const;
const iovsInto = { kind: 'iovs', into: true } as const;
const iovsFrom = { kind: 'iovs', into: false } as const;
const bufInto = { kind: 'buf', into: true } as const;

const LOOKUP_FLAGS = 1; // SYMLINK_FOLLOW
const OFLAGS = 0xf; // CREAT DIRECTORY EXCL TRUNC
const FSTFLAGS = 0xf; // ATIM ATIM_NOW MTIM MTIM_NOW
const CLOCK_IDS = 4;
const SIGNALS = 31;

const addr = { kind: 'addr' } as const;
const wasix = (params: readonly Role[], waits: ImportSpec['waits'] = 'prompt'): ImportSpec => ({ module: 'wasix_32v1', params, waits });

const preview1 = (params: readonly Role[], waits: ImportSpec['waits'] = 'prompt', ends = false): ImportSpec => ({
  module: 'wasi_snapshot_preview1',
  params,
  waits,
  ...(ends ? { ends } : {}),
});

export const IMPORTS: Readonly<Record<string, ImportSpec>> = {
  args_get: preview1([{ kind: 'vector', of: 'args' }, { kind: 'vectorBuf', of: 'args' }]),
  args_sizes_get: preview1([out(4), out(4)]),
  environ_get: preview1([{ kind: 'vector', of: 'env' }, { kind: 'vectorBuf', of: 'env' }]),
  environ_sizes_get: preview1([out(4), out(4)]),
  clock_res_get: preview1([enumOf(CLOCK_IDS), out(8)]),
  clock_time_get: preview1([enumOf(CLOCK_IDS), i64('time'), out(8)]),
  fd_advise: preview1([fd, i64('offset'), i64('length'), enumOf(6)]),
  fd_allocate: preview1([fd, i64('offset'), i64('length')]),
  fd_close: preview1([fd]),
  fd_datasync: preview1([fd]),
  fd_fdstat_get: preview1([fd, out(w.FDSTAT_SIZE)]),
  fd_fdstat_set_flags: preview1([fd, flags(w.FDFLAGS_ALL)]),
  fd_fdstat_set_rights: preview1([fd, i64('rights'), i64('rights')]),
  fd_filestat_get: preview1([fd, out(w.FILESTAT_SIZE)]),
  fd_filestat_set_size: preview1([fd, i64('size')]),
  fd_filestat_set_times: preview1([fd, i64('time'), i64('time'), flags(FSTFLAGS)]),
  fd_pread: preview1([fd, iovsInto, len, i64('offset'), out(4)]),
  fd_prestat_get: preview1([fd, out(w.PRESTAT_SIZE)]),
  fd_prestat_dir_name: preview1([fd, bufInto, len]),
  fd_pwrite: preview1([fd, iovsFrom, len, i64('offset'), out(4)]),
  fd_read: preview1([fd, iovsInto, len, out(4)], 'maybe'),
  fd_readdir: preview1([fd, bufInto, len, i64('cookie'), out(4)]),
  fd_renumber: preview1([fd, fd]),
  fd_seek: preview1([fd, i64('offset'), enumOf(3), out(8)]),
  fd_sync: preview1([fd]),
  fd_tell: preview1([fd, out(8)]),
  fd_write: preview1([fd, iovsFrom, len, out(4)], 'maybe'),
  path_create_directory: preview1([fd, path, len]),
  path_filestat_get: preview1([fd, flags(LOOKUP_FLAGS), path, len, out(w.FILESTAT_SIZE)]),
  path_filestat_set_times: preview1([fd, flags(LOOKUP_FLAGS), path, len, i64('time'), i64('time'), flags(FSTFLAGS)]),
  path_link: preview1([fd, flags(LOOKUP_FLAGS), path, len, fd, path, len]),
  path_open: preview1([fd, flags(LOOKUP_FLAGS), path, len, flags(OFLAGS), i64('rights'), i64('rights'), flags(w.FDFLAGS_ALL), out(4)]),
  path_readlink: preview1([fd, path, len, bufInto, len, out(4)]),
  path_remove_directory: preview1([fd, path, len]),
  path_rename: preview1([fd, path, len, fd, path, len]),
  path_symlink: preview1([path, len, fd, path, len]),
  path_unlink_file: preview1([fd, path, len]),
  poll_oneoff: preview1([{ kind: 'subs' }, { kind: 'events', count: 2 }, len, out(4)], pollLimit),
  proc_exit: preview1([{ kind: 'code' }], 'prompt', true),
  proc_raise: preview1([enumOf(SIGNALS)], 'prompt', true),
  random_get: preview1([bufInto, len]),
  sched_yield: preview1([]),
  // preview1 takes any fdflags; accept4(2) (and so the host) only NONBLOCK.
  sock_accept: preview1([fd, flags(w.FDFLAGS_NONBLOCK), out(4)], 'maybe'),
  sock_recv: preview1([fd, iovsInto, len, flags(w.RIFLAGS_RECV_PEEK | w.RIFLAGS_RECV_WAITALL), out(4), out(2)], 'maybe'),
  sock_send: preview1([fd, iovsFrom, len, flags(0), out(4)], 'maybe'),
  sock_shutdown: preview1([fd, flags(w.SDFLAGS_RD | w.SDFLAGS_WR)]),
  epoll_create: { module: 'wasix_32v1', params: [out(4)], waits: 'prompt' },
  epoll_ctl: { module: 'wasix_32v1', params: [fd, enumOf(3), fd, { kind: 'epollEvent' }], waits: 'prompt' },
  epoll_wait: { module: 'wasix_32v1', params: [fd, { kind: 'epollEvents' }, len, i64('timeout'), out(4)], waits: epollLimit },
  sock_open: wasix([enumOf(4), enumOf(5), enumOf(7), out(4)]),
  sock_bind: wasix([fd, addr]),
  sock_listen: wasix([fd, { kind: 'code' }]),
  sock_connect: wasix([fd, addr], 'maybe'),
  sock_accept_v2: wasix([fd, flags(w.FDFLAGS_NONBLOCK), out(4), out(w.ADDR_PORT_SIZE)], 'maybe'),
  sock_addr_local: wasix([fd, out(w.ADDR_PORT_SIZE)]),
  sock_addr_peer: wasix([fd, out(w.ADDR_PORT_SIZE)]),
  sock_set_opt_flag: wasix([fd, enumOf(27), enumOf(2)]),
  sock_get_opt_flag: wasix([fd, enumOf(27), out(1)]),
  sock_set_opt_size: wasix([fd, enumOf(27), i64('size')]),
  sock_get_opt_size: wasix([fd, enumOf(27), out(8)]),
  sock_status: wasix([fd, out(1)]),
  resolve: wasix([{ kind: 'hostName' }, len, { kind: 'code' }, { kind: 'addrIps' }, len, out(4)]),
};

export const u32 = (v: Arg): number => Number(v) >>> 0;

export const NS_PER_MS = 1_000_000n;
const nsToMs = (ns: bigint): number => Number((ns + NS_PER_MS - 1n) / NS_PER_MS);

/** The earliest deadline of poll_oneoff's valid clock subscriptions, in ms from now; null when there is none. */
function pollLimit(args: readonly Arg[], view: DataView, clock: FuzzClock): number | null {
  const subs = u32(args[0]!);
  const n = u32(args[2]!);
  if (n === 0 || subs + n * w.SUBSCRIPTION_SIZE > view.byteLength) return 0;
  let limit: number | null = null;
  for (let i = 0; i < n; i++) {
    const s = w.readSubscription(view, subs + i * w.SUBSCRIPTION_SIZE);
    if (s.tag !== w.EVENTTYPE_CLOCK || (s.clockId !== w.CLOCKID_REALTIME && s.clockId !== w.CLOCKID_MONOTONIC)) continue;
    // The timeout is a u64: a relative one cannot be negative, an absolute one may be past.
    const ns =
      s.flags & w.SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME
        ? s.timeout - (s.clockId === w.CLOCKID_REALTIME ? clock.realtimeNs() : clock.monotonicNs())
        : s.timeout;
    const ms = ns <= 0n ? 0 : nsToMs(ns);
    if (limit === null || ms < limit) limit = ms;
  }
  return limit;
}

function epollLimit(args: readonly Arg[]): number | null {
  const timeout = BigInt.asIntN(64, BigInt(args[3]!));
  return timeout < 0n ? null : nsToMs(timeout);
}

/** [start, end) of memory. */
export type Range = readonly [number, number];

export interface WriteContext {
  /** args and env as the runtime was given them: they size args_get's and environ_get's outputs. */
  args: readonly string[];
  env: readonly string[];
}

/** The bytes `name` may write, given its arguments and memory as it is before the call. */
export function mayWrite(spec: ImportSpec, args: readonly Arg[], view: DataView, ctx: WriteContext): Range[] {
  const ranges: Range[] = [];
  const add = (start: number, size: number) => {
    if (size > 0 && start < view.byteLength) ranges.push([start, Math.min(view.byteLength, start + size)]);
  };
  spec.params.forEach((role, i) => {
    const p = u32(args[i]!);
    switch (role.kind) {
      case 'out':
        add(p, role.size);
        break;
      case 'buf':
        if (role.into) add(p, u32(args[i + 1]!));
        break;
      case 'iovs':
        if (role.into) for (const [buf, size] of iovecsInMemory(view, p, u32(args[i + 1]!))) add(buf, size);
        break;
      case 'events':
        add(p, u32(args[role.count]!) * w.EVENT_SIZE);
        break;
      case 'epollEvents': {
        const max = Number(args[i + 1]!) | 0;
        if (max > 0) add(p, max * w.EPOLL_EVENT_SIZE);
        break;
      }
      case 'addrIps':
        add(p, u32(args[i + 1]!) * w.ADDR_IP_SIZE);
        break;
      case 'vector':
        add(p, (role.of === 'args' ? ctx.args : ctx.env).length * 4);
        break;
      case 'vectorBuf':
        add(p, (role.of === 'args' ? ctx.args : ctx.env).reduce((n, s) => n + Buffer.byteLength(s) + 1, 0));
        break;
    }
  });
  return ranges;
}

/**
 * A range the call is given (to read or to write) that does not lie in
 * memory, or null. A call given one must not succeed: it could neither read
 * nor write what it was pointed at (EFAULT, or an error found first).
 * Empty ranges are never outside (POSIX allows any pointer with length 0).
 */
export function outsideMemory(spec: ImportSpec, args: readonly Arg[], view: DataView, ctx: WriteContext): Range | null {
  let found: Range | null = null;
  const check = (start: number, size: number) => {
    if (found === null && size > 0 && start + size > view.byteLength) found = [start, start + size];
  };
  spec.params.forEach((role, i) => {
    const p = u32(args[i]!);
    switch (role.kind) {
      case 'out':
        return check(p, role.size);
      case 'buf':
      case 'path':
      case 'hostName':
        return check(p, u32(args[i + 1]!));
      case 'addr':
        return check(p, w.ADDR_PORT_SIZE);
      case 'addrIps':
        return check(p, u32(args[i + 1]!) * w.ADDR_IP_SIZE);
      case 'iovs': {
        const count = u32(args[i + 1]!);
        // More than IOV_MAX is EINVAL whatever they point at.
        if (count > w.IOV_MAX) return;
        check(p, count * w.IOVEC_SIZE);
        for (const [buf, size] of iovecsInMemory(view, p, count)) check(buf, size);
        return;
      }
      case 'subs':
        return check(p, u32(args[2]!) * w.SUBSCRIPTION_SIZE);
      case 'events':
        return check(p, u32(args[role.count]!) * w.EVENT_SIZE);
      case 'epollEvent':
        // EPOLL_CTL_DEL reads no event (Linux ignores it).
        if (u32(args[1]!) !== w.EPOLL_CTL_DEL) check(p, w.EPOLL_EVENT_SIZE);
        return;
      case 'epollEvents': {
        const max = Number(args[i + 1]!) | 0;
        if (max > 0) check(p, max * w.EPOLL_EVENT_SIZE);
        return;
      }
      case 'vector':
        return check(p, (role.of === 'args' ? ctx.args : ctx.env).length * 4);
      case 'vectorBuf':
        return check(p, (role.of === 'args' ? ctx.args : ctx.env).reduce((n, s) => n + Buffer.byteLength(s) + 1, 0));
    }
  });
  return found;
}

/** The (buf, len) pairs of an iovec array, as far as the array lies in memory. */
export function iovecsInMemory(view: DataView, ptr: number, count: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < count && ptr + (i + 1) * w.IOVEC_SIZE <= view.byteLength; i++) {
    pairs.push([view.getUint32(ptr + i * w.IOVEC_SIZE, true), view.getUint32(ptr + i * w.IOVEC_SIZE + 4, true)]);
  }
  return pairs;
}
