// A scripted stand-in for the host, for tests that must make a C module meet
// one exact situation (a cancelled wait, memory at address 0 that is not zero)
// deterministically: no sockets, no runtime, no worker. Listeners sit at fd 3,
// 4, …; each accepted connection is already at EOF; every wait (poll_oneoff,
// epoll_wait) is answered by the next step of a script. The module runs on the
// test's own thread, so anything that would block ends the run instead.
import { readFileSync } from 'node:fs';

const ERRNO_AGAIN = 6, ERRNO_BADF = 8, ERRNO_CANCELED = 11, ERRNO_SPIPE = 70;
const FILETYPE_CHARACTER_DEVICE = 2, FILETYPE_SOCKET_STREAM = 6;
const FDFLAGS_NONBLOCK = 4;
const EVENTTYPE_FD_READ = 1, EVENTTYPE_FD_WRITE = 2;
const SUBSCRIPTION_SIZE = 48, EVENT_SIZE = 32;
const WASIX_EPOLLIN = 1, WASIX_EPOLLOUT = 2, WASIX_EPOLL_CTL_ADD = 0, WASIX_EPOLL_CTL_MOD = 1;
const EPOLL_EVENT_SIZE = 32;

/** How one wait is answered: with what is ready now, or cancelled (ECANCELED, the host's "stop"). */
export type WaitStep = 'ready' | 'cancel';

export interface StubOptions {
  args?: string[];
  env?: Record<string, string>;
  /** How many listening sockets the host passes, at fd 3, 4, … (default 1). */
  listeners?: number;
  /** Connections waiting to be accepted on the first listener (default 0). */
  pending?: number;
  /** Answers to the module's waits, in order. A wait past the end ends the run as blocked. */
  waits?: WaitStep[];
  /** Runs after instantiation, before the module starts. */
  beforeStart?(memory: WebAssembly.Memory): void;
}

export interface StubOutcome {
  /** The exit status; undefined when the module blocked (or trapped). */
  exit?: number;
  /** Set when the module trapped (e.g. an out-of-bounds memory access). */
  trap?: Error;
  stdout: string;
  stderr: string;
  /** Connection fds handed out by sock_accept, in order. */
  accepted: number[];
  /** Every fd the module closed, in order. */
  closed: number[];
  /** How many waits the module made. */
  waits: number;
  memory: WebAssembly.Memory;
}

class Exit { constructor(readonly code: number) {} }
class Blocked {}

export function runStub(wasmPath: string, options: StubOptions = {}): StubOutcome {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  let memory!: WebAssembly.Memory;
  const view = () => new DataView(memory.buffer);
  const bytes = (at: number, len: number) => new Uint8Array(memory.buffer, at, len);
  // Filled in by the imports, which only run once `out` exists (below).
  let out!: StubOutcome;

  const listeners = Array.from({ length: options.listeners ?? 1 }, (_, i) => 3 + i);
  let pending = options.pending ?? 0;
  const script = [...(options.waits ?? [])];
  const connections = new Set<number>();
  const epolls = new Map<number, Map<number, { events: number; data: Uint8Array }>>();
  const nonblocking = new Set<number>();
  const open = new Set<number>([0, 1, 2, ...listeners]);
  const allocate = () => {
    let fd = 3;
    while (open.has(fd)) fd++;
    open.add(fd);
    return fd;
  };
  const isSocket = (fd: number) => listeners.includes(fd) || connections.has(fd);
  // Readiness the host would report now: a listener with a connection waiting;
  // a connection (always: its EOF is there to read, and it takes any output).
  const readable = (fd: number) => (listeners.includes(fd) ? fd === listeners[0] && pending > 0 : connections.has(fd));
  const writable = (fd: number) => connections.has(fd);
  const nextWait = (): WaitStep => {
    out.waits++;
    const step = script.shift();
    if (step === undefined) throw new Blocked();
    return step;
  };

  const argv = [options.args?.[0] ?? 'module', ...(options.args?.slice(1) ?? [])].map((a) => Buffer.from(a + '\0'));
  const envv = Object.entries(options.env ?? {}).map(([k, v]) => Buffer.from(`${k}=${v}\0`));
  const sizes = (list: Buffer[], count: number, size: number) => {
    view().setUint32(count, list.length, true);
    view().setUint32(size, list.reduce((n, a) => n + a.length, 0), true);
    return 0;
  };
  const strings = (list: Buffer[], ptrs: number, buf: number) => {
    for (const [i, a] of list.entries()) {
      view().setUint32(ptrs + 4 * i, buf, true);
      bytes(buf, a.length).set(a);
      buf += a.length;
    }
    return 0;
  };
  const iovTotal = (iovs: number, n: number) => {
    let total = 0;
    for (let i = 0; i < n; i++) total += view().getUint32(iovs + 8 * i + 4, true);
    return total;
  };

  const wasi: Record<string, (...a: never[]) => unknown> = {
    args_sizes_get: (count: number, size: number) => sizes(argv, count, size),
    args_get: (ptrs: number, buf: number) => strings(argv, ptrs, buf),
    environ_sizes_get: (count: number, size: number) => sizes(envv, count, size),
    environ_get: (ptrs: number, buf: number) => strings(envv, ptrs, buf),
    clock_time_get(_id: number, _precision: bigint, at: number) {
      view().setBigUint64(at, process.hrtime.bigint(), true);
      return 0;
    },
    fd_fdstat_get(fd: number, at: number) {
      const type = fd <= 2 ? FILETYPE_CHARACTER_DEVICE : isSocket(fd) ? FILETYPE_SOCKET_STREAM : -1;
      if (type < 0) return ERRNO_BADF;
      bytes(at, 24).fill(0);
      view().setUint8(at, type);
      view().setUint16(at + 2, nonblocking.has(fd) ? FDFLAGS_NONBLOCK : 0, true);
      view().setBigUint64(at + 8, ~0n, true);
      view().setBigUint64(at + 16, ~0n, true);
      return 0;
    },
    fd_fdstat_set_flags(fd: number, flags: number) {
      if (!open.has(fd)) return ERRNO_BADF;
      if (flags & FDFLAGS_NONBLOCK) nonblocking.add(fd);
      else nonblocking.delete(fd);
      return 0;
    },
    fd_prestat_get: () => ERRNO_BADF,
    fd_seek: () => ERRNO_SPIPE,
    fd_close(fd: number) {
      if (!open.delete(fd)) return ERRNO_BADF;
      out.closed.push(fd);
      connections.delete(fd);
      epolls.delete(fd);
      for (const interests of epolls.values()) interests.delete(fd);
      return 0;
    },
    fd_write(fd: number, iovs: number, n: number, written: number) {
      if (!open.has(fd)) return ERRNO_BADF;
      for (let i = 0; i < n; i++) {
        const ptr = view().getUint32(iovs + 8 * i, true), len = view().getUint32(iovs + 8 * i + 4, true);
        const text = Buffer.from(memory.buffer, ptr, len).toString();
        if (fd === 1) out.stdout += text;
        if (fd === 2) out.stderr += text;
      }
      view().setUint32(written, iovTotal(iovs, n), true);
      return 0;
    },
    fd_read(fd: number, _iovs: number, _n: number, nread: number) {
      if (!connections.has(fd)) return ERRNO_BADF;
      view().setUint32(nread, 0, true);
      return 0;
    },
    sock_accept(fd: number, flags: number, ret: number) {
      if (!listeners.includes(fd)) return ERRNO_BADF;
      if (fd !== listeners[0] || pending === 0) {
        if (nonblocking.has(fd)) return ERRNO_AGAIN;
        throw new Blocked();
      }
      pending--;
      const conn = allocate();
      connections.add(conn);
      if (flags & FDFLAGS_NONBLOCK) nonblocking.add(conn);
      out.accepted.push(conn);
      view().setUint32(ret, conn, true);
      return 0;
    },
    sock_recv(fd: number, _iovs: number, _n: number, _flags: number, nread: number, roflags: number) {
      if (!connections.has(fd)) return ERRNO_BADF;
      view().setUint32(nread, 0, true);
      view().setUint16(roflags, 0, true);
      return 0;
    },
    sock_send(fd: number, iovs: number, n: number, _flags: number, sent: number) {
      if (!connections.has(fd)) return ERRNO_BADF;
      view().setUint32(sent, iovTotal(iovs, n), true);
      return 0;
    },
    poll_oneoff(subs: number, events: number, n: number, nevents: number) {
      if (nextWait() === 'cancel') return ERRNO_CANCELED;
      let count = 0;
      for (let i = 0; i < n; i++) {
        const s = subs + SUBSCRIPTION_SIZE * i;
        const tag = view().getUint8(s + 8);
        if (tag !== EVENTTYPE_FD_READ && tag !== EVENTTYPE_FD_WRITE) continue;
        const fd = view().getUint32(s + 16, true);
        if (!(tag === EVENTTYPE_FD_READ ? readable(fd) : writable(fd))) continue;
        const e = events + EVENT_SIZE * count++;
        bytes(e, EVENT_SIZE).fill(0);
        view().setBigUint64(e, view().getBigUint64(s, true), true);
        view().setUint8(e + 10, tag);
      }
      if (count === 0) throw new Blocked();
      view().setUint32(nevents, count, true);
      return 0;
    },
    proc_exit(code: number) { throw new Exit(code); },
  };
  const wasix: Record<string, (...a: never[]) => unknown> = {
    epoll_create(ret: number) {
      const fd = allocate();
      epolls.set(fd, new Map());
      view().setUint32(ret, fd, true);
      return 0;
    },
    epoll_ctl(epfd: number, op: number, fd: number, ev: number) {
      const interests = epolls.get(epfd);
      if (interests === undefined || !open.has(fd)) return ERRNO_BADF;
      if (op === WASIX_EPOLL_CTL_ADD || op === WASIX_EPOLL_CTL_MOD) {
        interests.set(fd, { events: view().getUint32(ev, true), data: bytes(ev + 8, 24).slice() });
      } else {
        interests.delete(fd);
      }
      return 0;
    },
    epoll_wait(epfd: number, events: number, max: number, _timeout: bigint, ret: number) {
      const interests = epolls.get(epfd);
      if (interests === undefined) return ERRNO_BADF;
      if (nextWait() === 'cancel') return ERRNO_CANCELED;
      let count = 0;
      for (const [fd, interest] of interests) {
        if (count === max) break;
        const ready = (interest.events & WASIX_EPOLLIN && readable(fd) ? WASIX_EPOLLIN : 0)
          | (interest.events & WASIX_EPOLLOUT && writable(fd) ? WASIX_EPOLLOUT : 0);
        if (!ready) continue;
        const e = events + EPOLL_EVENT_SIZE * count++;
        bytes(e, EPOLL_EVENT_SIZE).fill(0);
        view().setUint32(e, ready, true);
        bytes(e + 8, 24).set(interest.data);
      }
      if (count === 0) throw new Blocked();
      view().setUint32(ret, count, true);
      return 0;
    },
  };

  // Anything else the module imports is a call this stand-in does not model:
  // say which, rather than let it pass silently.
  const provided: Record<string, Record<string, (...a: never[]) => unknown>> = { wasi_snapshot_preview1: wasi, wasix_32v1: wasix };
  const imports: WebAssembly.Imports = {};
  for (const { module: from, name } of WebAssembly.Module.imports(module)) {
    imports[from] ??= {};
    imports[from]![name] = provided[from]?.[name] ?? (() => { throw new Error(`stub host: ${from}.${name} is not modelled`); });
  }
  const instance = new WebAssembly.Instance(module, imports);
  memory = instance.exports.memory as WebAssembly.Memory;
  out = { stdout: '', stderr: '', accepted: [], closed: [], waits: 0, memory };
  options.beforeStart?.(memory);
  try {
    (instance.exports._start as () => void)();
    out.exit = 0;
  } catch (e) {
    if (e instanceof Exit) out.exit = e.code;
    else if (e instanceof WebAssembly.RuntimeError) out.trap = e;
    else if (!(e instanceof Blocked)) throw e;
  }
  return out;
}
