// The WASI build's side of the host contract, checked against a minimal stub
// host (no sockets, no runtime): which fds it takes as listeners, that it makes
// them nonblocking and watches them, and how it reports bad arguments.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, REPO } from './helpers/servers.js';

const EBADF = 8, ESPIPE = 70, EAGAIN = 6;
const FILETYPE_CHARACTER_DEVICE = 2, FILETYPE_SOCKET_STREAM = 6;
const FDFLAGS_NONBLOCK = 4;

class Exit { constructor(readonly code: number) {} }
class Blocked {}

interface Outcome { exit?: number; stderr: string; nonblocking: number[]; watched: number[] }

function runWithStub(backend: string, sockets: number[], args: string[]): Outcome {
  const module = new WebAssembly.Module(readFileSync(`${REPO}wasm/echo-${backend}.wasm`));
  let memory!: WebAssembly.Memory;
  const view = () => new DataView(memory.buffer);
  const out: Outcome = { stderr: '', nonblocking: [], watched: [] };
  const argv = ['echo', ...args].map((a) => Buffer.from(a + '\0'));
  const wasi = {
    args_sizes_get(argc: number, size: number) {
      view().setUint32(argc, argv.length, true);
      view().setUint32(size, argv.reduce((n, a) => n + a.length, 0), true);
      return 0;
    },
    args_get(ptrs: number, buf: number) {
      for (const [i, a] of argv.entries()) {
        view().setUint32(ptrs + 4 * i, buf, true);
        new Uint8Array(memory.buffer, buf, a.length).set(a);
        buf += a.length;
      }
      return 0;
    },
    clock_time_get(_id: number, _precision: bigint, at: number) {
      view().setBigUint64(at, process.hrtime.bigint(), true);
      return 0;
    },
    fd_fdstat_get(fd: number, at: number) {
      const type = fd <= 2 ? FILETYPE_CHARACTER_DEVICE : sockets.includes(fd) ? FILETYPE_SOCKET_STREAM : -1;
      if (type < 0) return EBADF;
      new Uint8Array(memory.buffer, at, 24).fill(0);
      view().setUint8(at, type);
      view().setBigUint64(at + 8, ~0n, true);
      view().setBigUint64(at + 16, ~0n, true);
      return 0;
    },
    fd_fdstat_set_flags(fd: number, flags: number) {
      if (flags & FDFLAGS_NONBLOCK) out.nonblocking.push(fd);
      return 0;
    },
    fd_write(fd: number, iovs: number, n: number, written: number) {
      let total = 0;
      for (let i = 0; i < n; i++) {
        const ptr = view().getUint32(iovs + 8 * i, true), len = view().getUint32(iovs + 8 * i + 4, true);
        if (fd === 2) out.stderr += Buffer.from(memory.buffer, ptr, len).toString();
        total += len;
      }
      view().setUint32(written, total, true);
      return 0;
    },
    fd_seek: () => ESPIPE,
    fd_close: () => 0,
    sock_accept: () => EAGAIN,
    sock_recv: () => EAGAIN,
    sock_send: () => EAGAIN,
    poll_oneoff(subs: number, _events: number, n: number) {
      for (let i = 0; i < n; i++) {
        const s = subs + 48 * i;
        if (view().getUint8(s + 8) === 1 /* FD_READ */) out.watched.push(view().getUint32(s + 16, true));
      }
      throw new Blocked();
    },
    proc_exit(code: number) { throw new Exit(code); },
  };
  const wasix = {
    epoll_create(at: number) { view().setUint32(at, 99, true); return 0; },
    epoll_ctl(_epfd: number, op: number, fd: number, ev: number) {
      if (op === 0 && view().getUint32(ev, true) & 1 /* IN */) out.watched.push(fd);
      return 0;
    },
    epoll_wait() { throw new Blocked(); },
  };
  const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi, wasix_32v1: wasix });
  memory = instance.exports.memory as WebAssembly.Memory;
  try {
    (instance.exports._start as () => void)();
    out.exit = 0;
  } catch (e) {
    if (e instanceof Exit) out.exit = e.code;
    else if (!(e instanceof Blocked)) throw e;
  }
  return out;
}

for (const b of BACKENDS) {
  test(`echo-${b}.wasm takes the sockets at fd 3, 4 as listeners, nonblocking, and waits on them`, () => {
    const one = runWithStub(b, [3], []);
    assert.is(one.exit, undefined, `it blocked in its loop rather than exiting: ${one.stderr}`);
    assert.equal(one.nonblocking, [3]);
    assert.equal(one.watched, [3]);
    const two = runWithStub(b, [3, 4], []);
    assert.equal(two.nonblocking, [3, 4]);
    assert.equal(two.watched.sort(), [3, 4]);
  });

  test(`echo-${b}.wasm without a socket at fd 3 says how to pass one and exits 2`, () => {
    const r = runWithStub(b, [], []);
    assert.is(r.exit, 2);
    assert.match(r.stderr, /no listening socket at fd 3.*--tcplisten/);
  });

  test(`echo-${b}.wasm rejects bad options with exit 2`, () => {
    for (const args of [['--bogus'], ['--max-conns', 'lots'], ['--listen', '127.0.0.1:1'], ['extra']]) {
      const r = runWithStub(b, [3], args);
      assert.is(r.exit, 2, `${args.join(' ')} → ${r.stderr}`);
      assert.ok(r.stderr.length > 0, 'says what is wrong');
      assert.equal(r.watched, [], 'never starts serving');
    }
  });
}

test.run();
