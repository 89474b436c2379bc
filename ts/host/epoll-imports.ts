// The wasix_32v1 epoll imports (epoll_create, epoll_ctl, epoll_wait), which
// c/epoll_wasix.c translates the Linux epoll API to. As with
// preview1-imports.ts, every method is an import and nothing else is.

import * as w from '../wasi/index.js';
import { EpollFd } from './epoll-fd.js';
import type { SocketHost } from './socket-host.js';
import { SocketFd } from './socket-fd.js';
import { msUntil } from './waiting.js';


export class EpollImports {
  constructor(private readonly host: SocketHost) {}

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
    // u64::MAX, as the WASIX ABI spells "no timeout", is -1 as an i64.
    const deadline = timeout < 0n ? null : host.clock.monotonicNs() + timeout;
    for (;;) {
      const out = host.memory.view();
      host.waiting.beginBatch();
      const n = ep.epoll.harvest(max, (interest, events, index) => {
        host.waiting.noteEvent(interest.target.listens);
        w.writeEpollEvent(out, eventsPtr + index * w.EPOLL_EVENT_SIZE, events, interest.data);
      });
      if (n > 0 || timeout === 0n) {
        host.waiting.endBatch(n);
        out.setUint32(retN, n, true);
        return w.ERRNO_SUCCESS;
      }
      const now = host.clock.monotonicNs();
      if (deadline !== null && deadline <= now) {
        out.setUint32(retN, 0, true);
        return w.ERRNO_SUCCESS;
      }
      host.waiting.sleep(deadline === null ? -1 : msUntil(deadline, now), ep.epoll);
    }
  }
}

function toInt64(v: unknown): bigint | null {
  if (typeof v === 'bigint') return BigInt.asIntN(64, v);
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt.asIntN(64, BigInt(Math.trunc(v)));
  return null;
}
