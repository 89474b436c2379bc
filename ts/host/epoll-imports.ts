// The wasix_32v1 epoll imports (epoll_create, epoll_ctl, epoll_wait), which
// c/epoll_wasix.c translates the Linux epoll API to. As with
// preview1-imports.ts, every method is an import and nothing else is.

import * as w from '../wasi/index.js';
import { EpollFd } from './epoll-fd.js';
import type { HarvestSink, Interest } from './epoll.js';
import type { GuestMemory } from './guest-memory.js';
import type { SocketHost } from './socket-host.js';
import { SocketFd } from './socket-fd.js';
import { msUntil, type Waiting } from './waiting.js';


export class EpollImports {
  readonly #out: EpollOut;

  constructor(private readonly host: SocketHost) {
    this.#out = new EpollOut(host.waiting);
  }

  epoll_create(retFd: number): number {
    const { host } = this;
    w.checkRange(host.memory.view(), w.u32(retFd), 4);
    const fd = host.table.allocate(new EpollFd(host));
    if (fd < 0) return w.ERRNO_MFILE;
    w.writeU32(host.memory.view(), w.u32(retFd), fd);
    return w.ERRNO_SUCCESS;
  }

  epoll_ctl(epfd: number, op: number, fd: number, event: number): number {
    const ep = this.host.descriptor(epfd);
    const target = this.host.descriptor(fd);
    op = w.u32(op);
    if (ep === undefined || target === undefined) return w.ERRNO_BADF;
    if (!(ep instanceof EpollFd) || w.u32(epfd) === w.u32(fd)) return w.ERRNO_INVAL;
    if (op !== w.EPOLL_CTL_ADD && op !== w.EPOLL_CTL_MOD && op !== w.EPOLL_CTL_DEL) return w.ERRNO_INVAL;
    if (!(target instanceof SocketFd)) return w.ERRNO_NOTSUP;
    const epoll = ep.epoll;
    const existing = epoll.interests.get(target);
    if (op === w.EPOLL_CTL_DEL) {
      if (existing === undefined) return w.ERRNO_NOENT;
      epoll.remove(existing);
      return w.ERRNO_SUCCESS;
    }
    const { events, data } = w.readEpollEvent(this.host.memory.view(), w.u32(event));
    if (op === w.EPOLL_CTL_ADD) {
      if (existing !== undefined) return w.ERRNO_EXIST;
      epoll.add(target, events, data);
    } else {
      if (existing === undefined) return w.ERRNO_NOENT;
      epoll.modify(existing, events, data);
    }
    return w.ERRNO_SUCCESS;
  }

  epoll_wait(epfd: number, eventsPtr: number, maxevents: number, timeoutNs: bigint | number, retN: number): number {
    const { host } = this;
    const ep = host.descriptor(epfd);
    if (ep === undefined) return w.ERRNO_BADF;
    if (!(ep instanceof EpollFd)) return w.ERRNO_INVAL;
    // maxevents is a C int.
    const max = Number(maxevents) | 0;
    if (max <= 0) return w.ERRNO_INVAL;
    const timeout = toInt64(timeoutNs);
    if (timeout === null) return w.ERRNO_INVAL;
    eventsPtr = w.u32(eventsPtr);
    retN = w.u32(retN);
    const view = host.memory.view();
    w.checkRange(view, eventsPtr, max * w.EPOLL_EVENT_SIZE);
    w.checkRange(view, retN, 4);

    // Collect pending readiness reports: the ready lists are kept by them.
    host.waiting.refresh();
    // Read the clock only once there is something to wait for: the deadline
    // may start a few microseconds late, never early. (u64::MAX, as the WASIX
    // ABI spells "no timeout", is -1 as an i64.)
    let deadline = -1;
    for (;;) {
      host.waiting.beginBatch();
      const n = ep.epoll.harvest(max, this.#out.at(eventsPtr, host.memory));
      const out = host.memory.view();
      if (n > 0 || timeout === 0) {
        host.waiting.endBatch(n);
        out.setUint32(retN, n, true);
        return w.ERRNO_SUCCESS;
      }
      const now = Number(host.clock.monotonicNs());
      if (timeout > 0) {
        if (deadline < 0) deadline = now + timeout;
        else if (deadline <= now) {
          out.setUint32(retN, 0, true);
          return w.ERRNO_SUCCESS;
        }
      }
      host.waiting.sleep(timeout < 0 ? -1 : msUntil(deadline, now), ep.epoll);
    }
  }
}

/** epoll_wait's output array in the module's memory: each event written in place, with no allocation. */
class EpollOut implements HarvestSink {
  private base = 0;
  private view: DataView = new DataView(new ArrayBuffer(0));

  constructor(private readonly waiting: Waiting) {}

  /** The array starts at `ptr` (checked by the caller) for this harvest. Memory cannot grow during an import. */
  at(ptr: number, memory: GuestMemory): this {
    this.base = ptr;
    this.view = memory.view();
    return this;
  }

  emit(interest: Interest, events: number, index: number): void {
    this.waiting.noteEvent(interest.target.listens);
    const at = this.base + index * w.EPOLL_EVENT_SIZE;
    const { view } = this;
    const data = interest.data;
    view.setUint32(at, events >>> 0, true);
    view.setUint32(at + 4, 0, true);
    for (let i = 0; i < 6; i++) view.setUint32(at + w.EPOLL_DATA_OFFSET + 4 * i, data[i]!, true);
  }
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** A WASIX timeout as an i64 number of ns (< 0: none), or null when it is not an integer. */
function toInt64(v: unknown): number | null {
  // wasm hands an i64 over as a BigInt already in range: no new BigInt on the way.
  if (typeof v === 'bigint') return Number(v >= I64_MIN && v <= I64_MAX ? v : BigInt.asIntN(64, v));
  if (typeof v === 'number' && Number.isFinite(v)) return Number(BigInt.asIntN(64, BigInt(Math.trunc(v))));
  return null;
}
