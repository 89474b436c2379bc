// A hostile module: every socket, poll and epoll import called with pointers
// outside memory, 0xFFFFFFFF lengths, bad fds and nonsense flags, targeted and
// then at random (seeded). Every call returns an errno; none throws, none
// hangs; the host still serves a connection afterwards.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness, text, type Harness } from './helpers/host-harness.js';
import { SocketHost, composeImports } from '../ts/host/index.js';
import { MemoryNetwork, MemoryNetworkDeadlock } from '../ts/transport/memory/network.js';
import * as w from '../ts/wasi/index.js';

/** Arity and which arguments are i64 (BigInt in JS) for each import the host owns. */
const SIGNATURES: Record<string, { arity: number; i64?: number[]; module?: 'wasix' }> = {
  sock_accept: { arity: 3 },
  sock_recv: { arity: 6 },
  sock_send: { arity: 5 },
  sock_shutdown: { arity: 2 },
  fd_read: { arity: 4 },
  fd_write: { arity: 4 },
  fd_close: { arity: 1 },
  fd_renumber: { arity: 2 },
  fd_fdstat_get: { arity: 2 },
  fd_fdstat_set_flags: { arity: 2 },
  fd_fdstat_set_rights: { arity: 3, i64: [1, 2] },
  fd_filestat_get: { arity: 2 },
  fd_prestat_get: { arity: 2 },
  fd_prestat_dir_name: { arity: 3 },
  path_open: { arity: 9, i64: [5, 6] },
  clock_time_get: { arity: 3, i64: [1] },
  clock_res_get: { arity: 2 },
  poll_oneoff: { arity: 4 },
  epoll_create: { arity: 1, module: 'wasix' },
  epoll_ctl: { arity: 4, module: 'wasix' },
  epoll_wait: { arity: 5, i64: [3], module: 'wasix' },
};

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function callOf(h: Harness, name: string): (...args: (number | bigint)[]) => number {
  const sig = SIGNATURES[name]!;
  return (sig.module === 'wasix' ? h.wasix : h.wasi)[name]!;
}

function expectErrno(h: Harness, name: string, args: (number | bigint)[]): number {
  return expectErrnoFrom(callOf(h, name), name, args);
}

function expectErrnoFrom(fn: (...args: (number | bigint)[]) => number, name: string, args: (number | bigint)[]): number {
  let r: unknown;
  try {
    r = fn(...args);
  } catch (e) {
    assert.unreachable(`${name}(${args.join(', ')}) threw ${String(e)}`);
  }
  assert.ok(Number.isInteger(r) && (r as number) >= 0 && (r as number) <= w.ERRNO_NOTCAPABLE, `${name}(${args.join(', ')}) returned ${String(r)}`);
  return r as number;
}

test('every import names no host export it lacks', () => {
  const h = makeHarness();
  for (const name of Object.keys(SIGNATURES)) assert.type(callOf(h, name), 'function', name);
});

test('targeted: out-of-bounds pointers, 0xFFFFFFFF lengths, bad fds, nonsense flags', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  c.write('payload');
  const ep = h.epollCreate();
  const end = h.heap.size;
  const iov = h.heap.alloc(8);
  // An iovec claiming 0xFFFFFFFF bytes at a valid address.
  h.heap.view().setUint32(iov, 1024, true);
  h.heap.view().setUint32(iov + 4, 0xffffffff, true);
  const out = h.heap.alloc(8);
  const cases: [string, (number | bigint)[], number][] = [
    ['sock_recv', [fd, iov, 1, 0, out, out], w.ERRNO_FAULT],
    ['sock_recv', [fd, iov, -1, 0, out, out], w.ERRNO_INVAL],
    ['sock_recv', [fd, end - 4, 1, 0, out, out], w.ERRNO_FAULT],
    ['sock_recv', [fd, 0, 0, 0, end, out], w.ERRNO_FAULT],
    ['sock_recv', [fd, 0, 0, 0, out, -1], w.ERRNO_FAULT],
    ['sock_recv', [fd, 0, 0, -1, out, out], w.ERRNO_INVAL],
    ['sock_recv', [-1, 0, 0, 0, out, out], w.ERRNO_BADF],
    ['sock_send', [fd, iov, 1, 0, out], w.ERRNO_FAULT],
    ['sock_send', [fd, iov, 0x7fffffff, 0, out], w.ERRNO_INVAL],
    ['sock_send', [fd, 0, 0, 0, end - 3], w.ERRNO_FAULT],
    ['sock_send', [fd, 0, 0, 0x10000, out], w.ERRNO_INVAL],
    ['sock_accept', [3, 0, end], w.ERRNO_FAULT],
    ['sock_accept', [3, -1, out], w.ERRNO_INVAL],
    ['sock_accept', [fd, 0, out], w.ERRNO_INVAL],
    ['sock_accept', [0x7fffffff, 0, out], w.ERRNO_BADF],
    ['sock_shutdown', [fd, -1], w.ERRNO_INVAL],
    ['fd_read', [fd, iov, 1, out], w.ERRNO_FAULT],
    ['fd_read', [fd, 0, 0, -1], w.ERRNO_FAULT],
    ['fd_write', [fd, iov, 1, out], w.ERRNO_FAULT],
    ['fd_write', [fd, -8, 1, out], w.ERRNO_FAULT],
    ['fd_fdstat_get', [fd, end - 23], w.ERRNO_FAULT],
    ['fd_fdstat_get', [-1, out], w.ERRNO_BADF],
    ['fd_fdstat_set_flags', [fd, -1], w.ERRNO_INVAL],
    ['fd_filestat_get', [fd, -64], w.ERRNO_FAULT],
    ['fd_prestat_get', [fd, 0], w.ERRNO_BADF],
    ['fd_prestat_get', [3, -1], w.ERRNO_FAULT],
    ['fd_close', [-1], w.ERRNO_BADF],
    ['fd_renumber', [fd, -1], w.ERRNO_BADF],
    ['path_open', [4, 0, 0, 0, 0, 0n, 0n, 0, -1], w.ERRNO_FAULT],
    ['clock_time_get', [w.CLOCKID_REALTIME, 0n, -1], w.ERRNO_FAULT],
    ['clock_res_get', [w.CLOCKID_MONOTONIC, end], w.ERRNO_FAULT],
    ['poll_oneoff', [-1, -1, -1, -1], w.ERRNO_INVAL],
    ['poll_oneoff', [0, 0, 1, end], w.ERRNO_FAULT],
    ['epoll_create', [-4], w.ERRNO_FAULT],
    ['epoll_ctl', [ep, 0x7fffffff, fd, 0], w.ERRNO_INVAL],
    ['epoll_ctl', [ep, w.EPOLL_CTL_ADD, fd, end - 31], w.ERRNO_FAULT],
    ['epoll_wait', [ep, 0, -1, 0n, out], w.ERRNO_INVAL],
    ['epoll_wait', [ep, -32, 1, 0n, out], w.ERRNO_FAULT],
    ['epoll_wait', [ep, 0, 1, 0n, end], w.ERRNO_FAULT],
  ];
  for (const [name, args, errno] of cases) {
    assert.is(w.errnoName(expectErrno(h, name, args)), w.errnoName(errno), `${name}(${args.join(', ')})`);
  }
  assert.is(text(h.recv(fd, 16).data), 'payload', 'no failed call consumed data');
  assert.equal(h.internalErrors, []);
});

test('random: 20,000 calls with hostile arguments all answer an errno', () => {
  const h = makeHarness({ net: { listeners: 2, bufferSize: 256 } });
  const rand = mulberry32(0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  for (let i = 0; i < 8; i++) h.net.connect(h.net.listeners[i % 2])?.write('x'.repeat(i * 40));
  h.acceptNew();
  h.acceptNew();
  h.epollCreate();
  // Scratch filled with random bytes: valid pointers to garbage structs.
  const scratch = h.heap.alloc(4096);
  h.heap.bytes().set(Uint8Array.from({ length: 4096 }, () => Math.floor(rand() * 256)), scratch);
  const end = h.heap.size;
  const i32 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 64, -1, -2, 0x7fffffff, -0x80000000, 1024, 1025, end, end - 1, end - 8, scratch, scratch + 7];
  const i64 = [0n, 1n, -1n, 0x7fff_ffff_ffff_ffffn, -0x8000_0000_0000_0000n, 1_000_000n];
  const names = Object.keys(SIGNATURES);
  for (let n = 0; n < 20_000; n++) {
    const name = pick(names);
    const sig = SIGNATURES[name]!;
    const args = Array.from({ length: sig.arity }, (_, k) =>
      sig.i64?.includes(k) ? pick(i64) : rand() < 0.2 ? (Math.floor(rand() * 2 ** 32) | 0) : pick(i32),
    );
    expectErrno(h, name, args);
    // Keep connections coming, so that calls also meet live sockets with data.
    if (n % 50 === 0) {
      h.net.connect(pick(h.net.listeners))?.write('more');
      for (const fd of [3, 4]) {
        h.wasi.fd_fdstat_set_flags!(fd, w.FDFLAGS_NONBLOCK);
        h.accept(fd, w.FDFLAGS_NONBLOCK);
      }
    }
  }
  // A blocking call with nothing that could ever wake it is the only internal error allowed.
  for (const e of h.internalErrors) assert.instance(e, MemoryNetworkDeadlock);
});

test('the host still serves a fresh connection after the abuse', () => {
  const h = makeHarness();
  for (const name of Object.keys(SIGNATURES)) expectErrno(h, name, Array(SIGNATURES[name]!.arity).fill(-1));
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  c.write('still alive');
  assert.is(text(h.recv(fd, 32).data), 'still alive');
  assert.is(h.send(fd, 'yes').n, 3);
  assert.is(text(c.read()), 'yes');
});

test('before setMemory, no import throws: those that need memory answer EFAULT, the others as usual', () => {
  const net = new MemoryNetwork();
  const host = new SocketHost(net, { clock: net.clock });
  const imports = composeImports({}, { runtimePreopenFds: [] }, host);
  const fns = { ...imports.wasi_snapshot_preview1, ...imports.wasix_32v1 } as Record<string, (...a: unknown[]) => number>;
  net.connect();
  // Each of these must read or write memory to answer.
  assert.is(fns.sock_accept!(3, 0, 0), w.ERRNO_FAULT, 'a connection is waiting: its fd would be written');
  assert.is(fns.poll_oneoff!(0, 0, 1, 0), w.ERRNO_FAULT);
  assert.is(fns.epoll_create!(0), w.ERRNO_FAULT);
  assert.is(fns.fd_fdstat_get!(3, 0), w.ERRNO_FAULT);
  assert.is(fns.clock_time_get!(w.CLOCKID_MONOTONIC, 0n, 0), w.ERRNO_FAULT);
  // These are answered before memory would be touched.
  assert.is(fns.sock_recv!(3, 0, 0, 0, 0, 0), w.ERRNO_NOTCONN, 'a listener cannot receive');
  assert.is(fns.fd_write!(1, 0, 0, 0), w.ERRNO_NOSYS, 'a runtime without fd_write');
  // And whatever they are given, none throws.
  for (const name of Object.keys(SIGNATURES)) {
    for (const fill of [0, -1, 3]) expectErrnoFrom(fns[name]!, name, Array(SIGNATURES[name]!.arity).fill(fill));
  }
});

test.run();
