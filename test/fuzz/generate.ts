// Arguments for one call: values for every parameter by its role (abi.ts),
// and the structs the pointers lead to (iovec arrays, subscriptions, epoll
// events, paths) written into the module's memory before the call. Pointers
// land inside memory mostly, and also across its end, past it, at 0, at
// negative i32 values, and on top of one another; lengths and counts are
// small, zero, at the limits (IOV_MAX, memory size) and huge. Most calls
// are well formed (every pointer in memory, lengths and flags that mean
// something, fds of the kind the import wants), so that they get past the
// checks to the sockets' real work; the rest are hostile throughout.

import * as w from '../../ts/wasi/index.js';
import { NS_PER_MS, type Arg, type FuzzClock, type ImportSpec, type Role } from './abi.js';
import type { DescriptorModel, FdKind } from './descriptors.js';
import type { Rng } from './rng.js';

/** Names the paths are made of: files and directories of the sandbox (sandbox.ts), escapes, odd strings. */
const PATHS = [
  'a.txt',
  'dir',
  'dir/b.txt',
  'dir/',
  'new',
  'new/deeper',
  'link-a',
  'up',
  'up/outside',
  'loop',
  'loop/x',
  '.',
  '..',
  '../outside',
  '../escape',
  'dir/../a.txt',
  'dir/../../escape',
  '/escape',
  '',
  'a.txt\0tail',
  'é\u{1F600}',
  'x'.repeat(300),
];

/** Which kinds of descriptor an import's fds are usually chosen from. */
const PREFERRED: Readonly<Record<string, readonly FdKind[]>> = {
  sock_accept: ['listener'],
  sock_recv: ['conn'],
  sock_send: ['conn'],
  sock_shutdown: ['conn'],
  fd_read: ['conn', 'file'],
  fd_write: ['conn', 'file'],
  fd_pread: ['file'],
  fd_pwrite: ['file'],
  fd_seek: ['file'],
  fd_tell: ['file'],
  fd_readdir: ['dir'],
  fd_allocate: ['file'],
  fd_filestat_set_size: ['file'],
  epoll_wait: ['epoll'],
  sock_bind: ['socket'],
  sock_listen: ['socket', 'listener'],
  sock_connect: ['socket', 'conn'],
  sock_accept_v2: ['listener'],
  sock_addr_local: ['socket', 'listener', 'conn'],
  sock_addr_peer: ['conn'],
  sock_set_opt_flag: ['socket', 'listener', 'conn'],
  sock_get_opt_flag: ['socket', 'listener', 'conn'],
  sock_set_opt_size: ['socket', 'listener', 'conn'],
  sock_get_opt_size: ['socket', 'listener', 'conn'],
  sock_status: ['socket', 'listener', 'conn'],
};

/** Host names `resolve` is given: literals and localhost (answered), names and junk (ENOTSUP). */
const HOST_NAMES = ['127.0.0.1', '::1', 'localhost', 'LocalHost', '0.0.0.0', 'example.com', '', '1.2.3', '::ffff:10.0.0.1', 'ä\u0000b'];

/** The fds of epoll_ctl: the set, then the socket. */
const EPOLL_CTL_PREFERRED: readonly (readonly FdKind[])[] = [['epoll'], ['conn', 'listener']];

export interface Generated {
  args: Arg[];
  /** What the pointers lead to, for the trace. */
  notes: string[];
}

export interface GeneratorContext {
  rng: Rng;
  memory: WebAssembly.Memory;
  model: DescriptorModel;
  clock: FuzzClock;
  /** args_get's and environ_get's sizes, so that a valid call is made often. */
  vectors: { args: { count: number; bytes: number }; env: { count: number; bytes: number } };
  /** Ports a well-formed address names (the instance's own listeners'): connects there may be allowed. */
  ports: readonly number[];
}

/** Share of calls that are well formed. */
const WELL_FORMED = 0.6;

/** A choice, how likely it is, and whether only a hostile call makes it. */
type Choice<T> = readonly [() => T, number, 'hostile'?];

export class ArgumentGenerator {
  private wellFormed = false;
  private used: number[] = [];
  private notes: string[] = [];
  /** Values chosen for `len` parameters by the pointer before them (by index). */
  private lengths = new Map<number, number>();

  constructor(private readonly ctx: GeneratorContext) {}

  make(name: string, spec: ImportSpec): Generated {
    this.wellFormed = this.ctx.rng.chance(WELL_FORMED);
    this.used = [];
    this.notes = [];
    this.lengths.clear();
    let fdIndex = 0;
    const args = spec.params.map((role, i): Arg => {
      if (role.kind === 'fd') {
        const prefer = name === 'epoll_ctl' ? EPOLL_CTL_PREFERRED[fdIndex]! : (PREFERRED[name] ?? (name.startsWith('path_') ? ['dir'] : []));
        fdIndex++;
        return this.ctx.model.pick(this.ctx.rng, prefer, this.wellFormed);
      }
      return this.arg(role, i);
    });
    return { args, notes: this.notes };
  }

  private get rng(): Rng {
    return this.ctx.rng;
  }

  /** One of the choices; a well-formed call never takes a hostile one. */
  private choose<T>(choices: readonly Choice<T>[]): T {
    const open = this.wellFormed ? choices.filter((c) => c[2] !== 'hostile') : choices;
    return this.rng.weighted(open.map(([make, weight]) => [make, weight] as const))();
  }

  private get size(): number {
    return this.ctx.memory.buffer.byteLength;
  }

  private view(): DataView {
    return new DataView(this.ctx.memory.buffer);
  }

  private fits(ptr: number, size: number): boolean {
    return ptr + size <= this.size;
  }

  private arg(role: Role, i: number): Arg {
    const { rng } = this;
    switch (role.kind) {
      case 'out':
        return this.pointer(role.size, Math.min(role.size, 8));
      case 'len':
        return this.lengths.get(i) ?? this.length();
      case 'iovs':
        return this.iovecs(i);
      case 'buf': {
        const n = this.length();
        this.lengths.set(i + 1, n);
        return this.pointer(n >>> 0, 1);
      }
      case 'path':
        return this.path(i);
      case 'flags':
        return this.flags(role.valid);
      case 'enum':
        return this.choose([
          [() => rng.int(role.count), 85],
          [() => role.count + rng.int(4), 5, 'hostile'],
          [() => rng.u32() | 0, 10, 'hostile'],
        ]);
      case 'code':
        return this.wellFormed || rng.chance(0.8) ? rng.int(256) : rng.u32() | 0;
      case 'i64':
        return BigInt.asIntN(64, this.i64(role.what));
      case 'subs':
        return this.subscriptions(i);
      case 'events': {
        const n = this.lengths.get(role.count) ?? 1;
        return this.pointer(Math.min(n >>> 0, 1 << 16) * w.EVENT_SIZE, 8);
      }
      case 'epollEvent':
        return this.epollEvent();
      case 'epollEvents': {
        const max = this.choose([
          [() => rng.range(1, 8), 60],
          [() => 64, 10],
          [() => 0, 5, 'hostile'],
          [() => -1, 5, 'hostile'],
          [() => 0x7fffffff, 5, 'hostile'],
          [() => 0x10000, 5, 'hostile'],
          [() => rng.u32() | 0, 10, 'hostile'],
        ]);
        this.lengths.set(i + 1, max);
        return this.pointer(Math.max(0, Math.min(max, 1 << 16)) * w.EPOLL_EVENT_SIZE, 8);
      }
      case 'addr':
        return this.address();
      case 'hostName':
        return this.hostName(i);
      case 'addrIps': {
        const n = this.choose([
          [() => rng.range(1, 4), 80],
          [() => 0, 5],
          [() => rng.pick([0x10000, 0x7fffffff, 0xffffffff]), 15, 'hostile'],
        ]);
        this.lengths.set(i + 1, n | 0);
        return this.pointer(Math.min(n >>> 0, 1 << 16) * w.ADDR_IP_SIZE, 2);
      }
      case 'vector':
        return this.pointer(this.ctx.vectors[role.of].count * 4, 4);
      case 'vectorBuf':
        return this.pointer(this.ctx.vectors[role.of].bytes, 1);
      case 'fd':
        return this.ctx.model.pick(rng, [], this.wellFormed);
    }
  }

  /** A pointer for `size` bytes (as an i32). */
  private pointer(size: number, align: number): number {
    const { rng } = this;
    const end = this.size;
    const room = Math.max(0, end - size);
    const ptr = this.choose([
      [() => Math.floor(rng.int(room + 1) / align) * align, 60],
      [() => rng.int(room + 1), 8],
      [() => end - (size > 1 ? rng.range(1, size - 1) : 0), 8, 'hostile'],
      [() => end, 4, 'hostile'],
      [() => rng.pick([end + 1, end + 65536, 0x7fffffff, 0x80000000]), 4, 'hostile'],
      [() => 0, 4, 'hostile'],
      [() => rng.pick([0xffffffff, 0xfffffff8, 0xffff0000]), 4, 'hostile'],
      [() => (this.used.length > 0 ? rng.pick(this.used) : 0), 8],
    ]);
    this.used.push(ptr >>> 0);
    return ptr | 0;
  }

  /** A length or count (u32, as an i32). */
  private length(): number {
    const { rng } = this;
    return this.choose([
      [() => 0, 8],
      [() => rng.range(1, 64), 35],
      [() => rng.range(65, 4096), 25],
      [() => rng.range(4097, this.size), 10, 'hostile'],
      [() => this.size, 4, 'hostile'],
      [() => rng.pick([0x7fffffff, 0x80000000, 0xffffffff, 0x10000000]), 8, 'hostile'],
      [() => rng.u32(), 10, 'hostile'],
    ]) | 0;
  }

  private iovecs(i: number): number {
    const { rng } = this;
    const count = this.choose([
      [() => 0, 5, 'hostile'],
      [() => 1, 35],
      [() => rng.range(2, 4), 35],
      [() => rng.range(5, 16), 8],
      [() => w.IOV_MAX, 3, 'hostile'],
      [() => w.IOV_MAX + 1, 3, 'hostile'],
      [() => rng.u32(), 6, 'hostile'],
      [() => -1, 5, 'hostile'],
    ]);
    this.lengths.set(i + 1, count | 0);
    const n = count >>> 0;
    const ptr = this.pointer(Math.min(n, w.IOV_MAX + 1) * w.IOVEC_SIZE, 4) >>> 0;
    const view = this.view();
    const shown: string[] = [];
    for (let k = 0; k < Math.min(n, w.IOV_MAX + 1) && this.fits(ptr + k * w.IOVEC_SIZE, w.IOVEC_SIZE); k++) {
      const len = k < 16 ? this.bufferLength() : rng.range(0, 8);
      const buf = this.pointer(len, 1) >>> 0;
      view.setUint32(ptr + k * w.IOVEC_SIZE, buf, true);
      view.setUint32(ptr + k * w.IOVEC_SIZE + 4, len, true);
      if (k < 6) shown.push(`{${hex(buf)},${len}}`);
    }
    this.notes.push(`iovs@${hex(ptr)}=[${shown.join(',')}${n > 6 ? ',…' : ''}]`);
    return ptr | 0;
  }

  /** A buffer's length: mostly what a module would pass, sometimes past memory. */
  private bufferLength(): number {
    const { rng } = this;
    return this.choose([
      [() => 0, 10],
      [() => rng.range(1, 16), 25],
      [() => rng.range(17, 512), 25],
      [() => rng.range(513, 16384), 20],
      [() => rng.range(16385, this.size), 5, 'hostile'],
      [() => rng.pick([0x7fffffff, 0x80000000, 0xffffffff]), 5, 'hostile'],
    ]) >>> 0;
  }

  private path(i: number): number {
    return this.text(i, PATHS, 'path');
  }

  /** A string from `choices` in memory at a pointer; the next parameter (i + 1) its length, mostly right. */
  private text(i: number, choices: readonly string[], label: string): number {
    const { rng } = this;
    const text = rng.pick(choices);
    const bytes = Buffer.from(text, 'utf8');
    const ptr = this.pointer(bytes.length, 1) >>> 0;
    if (this.fits(ptr, bytes.length)) new Uint8Array(this.ctx.memory.buffer).set(bytes, ptr);
    const len = this.choose([
      [() => bytes.length, 75],
      [() => rng.int(bytes.length + 1), 8, 'hostile'],
      [() => bytes.length + rng.range(1, 8), 5, 'hostile'],
      [() => rng.pick([0x7fffffff, 0xffffffff, this.size]), 7, 'hostile'],
      [() => 0, 5, 'hostile'],
    ]);
    this.lengths.set(i + 1, len | 0);
    this.notes.push(`${label}@${hex(ptr)}=${JSON.stringify(text.length > 24 ? `${text.slice(0, 21)}...` : text)}`);
    return ptr | 0;
  }

  /** An addr_port: mostly loopback at one of the instance's ports or port 0, sometimes any address, family or bytes. */
  private address(): number {
    const { rng } = this;
    const ptr = this.pointer(w.ADDR_PORT_SIZE, 2) >>> 0;
    if (!this.fits(ptr, w.ADDR_PORT_SIZE)) return ptr | 0;
    const port = this.choose([
      [() => (this.ctx.ports.length > 0 ? rng.pick(this.ctx.ports) : 0), 60],
      [() => 0, 25],
      [() => rng.int(65536), 15, 'hostile'],
    ]);
    const six = rng.chance(0.3);
    const octets = this.choose([
      [() => (six ? Uint8Array.of(...new Array<number>(15).fill(0), 1) : Uint8Array.of(127, 0, 0, 1)), 80],
      [() => (six ? new Uint8Array(16) : new Uint8Array(4)), 10],
      [() => rng.bytes(six ? 16 : 4), 10, 'hostile'],
    ]);
    const family = this.choose([
      [() => (six ? w.ADDRESS_FAMILY_INET6 : w.ADDRESS_FAMILY_INET4), 90],
      [() => rng.int(256), 10, 'hostile'],
    ]);
    const view = this.view();
    w.writeAddrPort(view, ptr, { family: six ? w.ADDRESS_FAMILY_INET6 : w.ADDRESS_FAMILY_INET4, port, octets, flowInfo: 0, scopeId: 0 });
    view.setUint8(ptr, family);
    this.notes.push(`addr@${hex(ptr)}=${family}:${Array.from(octets).join('.')}:${port}`);
    return ptr | 0;
  }

  private hostName(i: number): number {
    return this.text(i, HOST_NAMES, 'host');
  }

  private flags(valid: number): number {
    const { rng } = this;
    const bits = (): number => {
      let v = 0;
      for (let b = 0; b < 32; b++) if (valid & (1 << b) && rng.chance(0.4)) v |= 1 << b;
      return v;
    };
    return this.choose([
      [() => 0, 30],
      [bits, 50],
      [() => bits() | (1 << rng.int(32)), 12, 'hostile'],
      [() => rng.u32(), 8, 'hostile'],
    ]) | 0;
  }

  private i64(what: string): bigint {
    const { rng } = this;
    const ms = (n: number) => BigInt(n) * NS_PER_MS;
    switch (what) {
      case 'time':
        return this.choose([
          [() => 0n, 20],
          [() => this.ctx.clock.realtimeNs() + ms(rng.range(-5000, 5000)), 40],
          [() => -1n, 10, 'hostile'],
          [() => rng.u64(), 30, 'hostile'],
        ]);
      case 'offset':
        return this.choose([
          [() => 0n, 30],
          [() => BigInt(rng.int(65537)), 40],
          [() => 1n << 32n, 5, 'hostile'],
          [() => -1n, 10, 'hostile'],
          [() => (1n << 63n) - 1n, 5, 'hostile'],
          [() => rng.u64(), 10, 'hostile'],
        ]);
      case 'length':
        // fd_allocate really reserves disk space: lengths stay at most 1 MiB, or fail at once.
        return this.choose([
          [() => 0n, 20],
          [() => BigInt(rng.int(1 << 20)), 70],
          [() => -1n, 5, 'hostile'],
          [() => (1n << 63n) - 1n, 5, 'hostile'],
        ]);
      case 'size':
        return this.choose([
          [() => 0n, 20],
          [() => BigInt(rng.int(65537)), 60],
          [() => BigInt(rng.int(16 << 20)), 10],
          [() => -1n, 5, 'hostile'],
          [() => (1n << 63n) - 1n, 5, 'hostile'],
        ]);
      case 'rights':
        return this.choose([
          [() => -1n, 25],
          [() => 0n, 15],
          [() => BigInt(rng.u32() & 0x3fffffff), 40],
          [() => rng.u64(), 20, 'hostile'],
        ]);
      case 'cookie':
        return this.choose([
          [() => 0n, 60],
          [() => BigInt(rng.range(1, 10)), 30],
          [() => rng.u64(), 10, 'hostile'],
        ]);
      case 'timeout':
        return this.choose([
          [() => 0n, 35],
          [() => ms(rng.range(1, 30)), 40],
          [() => -1n, 10],
          [() => 1n << 40n, 5, 'hostile'],
          [() => rng.u64(), 10, 'hostile'],
        ]);
    }
    return rng.u64();
  }

  private subscriptions(i: number): number {
    const { rng } = this;
    const count = this.choose([
      [() => 0, 3, 'hostile'],
      [() => 1, 30],
      [() => rng.range(2, 4), 45],
      [() => rng.range(5, 10), 15],
      [() => (1 << 20) + 1, 2, 'hostile'],
      [() => rng.u32(), 5, 'hostile'],
    ]);
    this.lengths.set(i + 2, count | 0);
    const n = count >>> 0;
    const ptr = this.pointer(Math.min(n, 64) * w.SUBSCRIPTION_SIZE, 8) >>> 0;
    const view = this.view();
    const shown: string[] = [];
    for (let k = 0; k < Math.min(n, 64) && this.fits(ptr + k * w.SUBSCRIPTION_SIZE, w.SUBSCRIPTION_SIZE); k++) {
      const sub = this.subscription();
      w.writeSubscription(view, ptr + k * w.SUBSCRIPTION_SIZE, sub);
      if (k < 6) shown.push(describeSubscription(sub));
    }
    this.notes.push(`subs@${hex(ptr)}=[${shown.join(',')}${n > 6 ? ',…' : ''}]`);
    return ptr | 0;
  }

  private subscription(): w.Subscription {
    const { rng, ctx } = this;
    const tag = this.choose([
      [() => w.EVENTTYPE_CLOCK, 35],
      [() => w.EVENTTYPE_FD_READ, 30],
      [() => w.EVENTTYPE_FD_WRITE, 25],
      [() => rng.range(3, 255), 10, 'hostile'],
    ]);
    const base = { userdata: rng.u64(), tag, fd: 0, clockId: 0, timeout: 0n, precision: 0n, flags: 0 };
    if (tag !== w.EVENTTYPE_CLOCK) return { ...base, fd: ctx.model.pick(rng, ['conn', 'listener', 'epoll'], this.wellFormed) >>> 0 };
    const clockId = this.choose([
      [() => w.CLOCKID_REALTIME, 40],
      [() => w.CLOCKID_MONOTONIC, 40],
      [() => rng.pick([w.CLOCKID_PROCESS_CPUTIME_ID, w.CLOCKID_THREAD_CPUTIME_ID, 4, 0xffffffff]), 20, 'hostile'],
    ]);
    const now = () => (clockId === w.CLOCKID_REALTIME ? ctx.clock.realtimeNs() : ctx.clock.monotonicNs());
    const [timeout, flags] = this.choose([
      [() => [BigInt(rng.range(0, 30)) * NS_PER_MS, 0], 50],
      [() => [0n, 0], 10],
      [() => [BigInt.asUintN(64, now() + BigInt(rng.range(-30, 30)) * NS_PER_MS), w.SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME], 20],
      [() => [rng.u64(), rng.int(0x10000)], 10, 'hostile'],
      [() => [1n << 40n, 0], 10, 'hostile'],
    ]);
    return { ...base, clockId, timeout, precision: rng.u64(), flags };
  }

  private epollEvent(): number {
    const { rng } = this;
    const ptr = this.pointer(w.EPOLL_EVENT_SIZE, 8) >>> 0;
    const events = this.choose([
      [() => w.EPOLLIN, 25],
      [() => w.EPOLLOUT, 10],
      [() => w.EPOLLIN | w.EPOLLOUT, 15],
      [() => rng.int(256), 30],
      [() => rng.u32(), 20, 'hostile'],
    ]);
    if (this.fits(ptr, w.EPOLL_EVENT_SIZE)) w.writeEpollEvent(this.view(), ptr, events, rng.bytes(w.EPOLL_DATA_SIZE));
    this.notes.push(`event@${hex(ptr)}={events:${hex(events >>> 0)}}`);
    return ptr | 0;
  }
}

function describeSubscription(s: w.Subscription): string {
  if (s.tag === w.EVENTTYPE_CLOCK) return `clock(${s.clockId},${s.timeout}ns${s.flags & 1 ? ',abs' : ''})`;
  if (s.tag === w.EVENTTYPE_FD_READ) return `read(${s.fd | 0})`;
  if (s.tag === w.EVENTTYPE_FD_WRITE) return `write(${s.fd | 0})`;
  return `tag${s.tag}`;
}

export const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;
