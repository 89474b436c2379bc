// poll_oneoff costs per event, not per socket: with every socket subscribed
// for reading and writing on each call (mio's pattern) and all of them
// writable, a poll asks the transport once per socket — a read of its
// readiness — and makes no other call. Counted with a transport that wraps
// the in-memory network and counts every method called on it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness, NS_PER_MS, type PollSub } from './helpers/host-harness.js';
import type { MemoryNetwork } from '../ts/transport/memory/network.js';
import type { SocketTransport } from '../ts/transport/types.js';
import * as w from '../ts/wasi/index.js';

const N = 1000;

/** The network, with every method call counted by name. */
function counted(net: MemoryNetwork, calls: Map<string, number>): SocketTransport {
  return new Proxy(net, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(name), (calls.get(String(name)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
    set: (target, name, value) => Reflect.set(target, name, value),
  });
}

function idleSockets() {
  const calls = new Map<string, number>();
  const h = makeHarness({ net: { backlog: N }, transport: (net) => counted(net, calls) });
  const fds: number[] = [];
  for (let i = 0; i < N; i++) {
    h.net.connect();
    fds.push(h.acceptNew());
  }
  // mio's WASI selector: each socket for READ and WRITE, the token as userdata, and a timeout.
  const subs: PollSub[] = fds.flatMap((fd, i) => [
    { userdata: BigInt(i), tag: w.EVENTTYPE_FD_READ, fd },
    { userdata: BigInt(i), tag: w.EVENTTYPE_FD_WRITE, fd },
  ]);
  subs.push({ userdata: 0xffff_ffff_ffff_ffffn, tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: 1000n * NS_PER_MS });
  return { h, fds, subs, calls };
}

test(`${N} idle writable sockets, each subscribed to read and write: one readiness read per socket, no other transport call`, () => {
  const { h, subs, calls } = idleSockets();
  for (let round = 0; round < 3; round++) {
    calls.clear();
    const r = h.poll(subs);
    assert.is(r.errno, 0);
    assert.is(r.events.length, N, 'every socket writable, none readable, the clock not due');
    assert.ok(r.events.every((e, i) => e.type === w.EVENTTYPE_FD_WRITE && e.userdata === BigInt(i) && e.error === 0 && e.nbytes > 0n));
    assert.equal(Object.fromEntries(calls), { wait: 1, pollSizes: N }, `transport calls in poll ${round}`);
  }
});

test('one socket becoming readable among idle ones costs the same: its event, and no syscall-like query', () => {
  const { h, fds, subs, calls } = idleSockets();
  const client = h.net.connect()!;
  const fd = h.acceptNew();
  subs.push({ userdata: 7777n, tag: w.EVENTTYPE_FD_READ, fd }, { userdata: 7777n, tag: w.EVENTTYPE_FD_WRITE, fd });
  client.write('ping');
  calls.clear();
  const r = h.poll(subs);
  assert.is(r.events.length, fds.length + 2);
  const read = r.events.find((e) => e.type === w.EVENTTYPE_FD_READ)!;
  assert.is(read.userdata, 7777n);
  assert.is(read.nbytes, 4n, 'the bytes the in-memory network holds');
  assert.equal(Object.fromEntries(calls), { wait: 1, pollSizes: N + 1 });
});

test.run();
