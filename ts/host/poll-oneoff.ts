// poll_oneoff: any number of fd_read/fd_write subscriptions (sockets, epoll
// sets, runtime fds) and clock subscriptions (relative or absolute), with
// per-subscription errors, HANGUP and nbytes. It sleeps in the host's Waiting
// until a socket changes or the earliest clock is due; it never busy-waits.

import * as w from '../wasi/index.js';
import type { Clock } from './clock.js';
import type { Descriptor } from './descriptor.js';
import type { GuestMemory } from './guest-memory.js';
import { msUntil, type Waiting } from './waiting.js';

/** poll_oneoff subscriptions per call at most; a poll over more fds than this is EINVAL (poll(2): nfds > RLIMIT_NOFILE). */
export const MAX_POLL_SUBSCRIPTIONS = 1 << 20;

export interface PollContext {
  readonly memory: GuestMemory;
  readonly clock: Clock;
  readonly waiting: Waiting;
  descriptor(fd: number): Descriptor | undefined;
}

/** One subscription, decoded: an error to report, a descriptor to ask, or a deadline. */
type Decoded =
  | { sub: w.Subscription; error: number }
  | { sub: w.Subscription; fd: Descriptor }
  | { sub: w.Subscription; deadline: bigint };

export function pollOneoff(ctx: PollContext, inPtr: number, outPtr: number, n: number, neventsPtr: number): number {
  if (n === 0 || n > MAX_POLL_SUBSCRIPTIONS) return w.ERRNO_INVAL;
  const view = ctx.memory.view();
  w.checkRange(view, inPtr, n * w.SUBSCRIPTION_SIZE);
  w.checkRange(view, outPtr, n * w.EVENT_SIZE);
  w.checkRange(view, neventsPtr, 4);

  // Collect pending readiness reports (and let the transport flush queued sends).
  ctx.waiting.refresh();

  // Every subscription is decoded before any event is written: the two
  // arrays may overlap.
  const decoded: Decoded[] = [];
  const start = ctx.clock.monotonicNs();
  for (let i = 0; i < n; i++) {
    const sub = w.readSubscription(view, inPtr + i * w.SUBSCRIPTION_SIZE);
    if (sub.tag === w.EVENTTYPE_CLOCK) {
      if (sub.clockId !== w.CLOCKID_REALTIME && sub.clockId !== w.CLOCKID_MONOTONIC) {
        decoded.push({ sub, error: w.ERRNO_INVAL });
        continue;
      }
      let deadline = start + sub.timeout;
      if (sub.flags & w.SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME) {
        // An absolute REALTIME deadline becomes a monotonic one: the wait
        // below is measured on the monotonic clock.
        deadline = sub.clockId === w.CLOCKID_MONOTONIC ? sub.timeout : start + (sub.timeout - ctx.clock.realtimeNs());
      }
      decoded.push({ sub, deadline });
    } else if (sub.tag === w.EVENTTYPE_FD_READ || sub.tag === w.EVENTTYPE_FD_WRITE) {
      const fd = ctx.descriptor(sub.fd);
      decoded.push(fd === undefined ? { sub, error: w.ERRNO_BADF } : { sub, fd });
    } else {
      decoded.push({ sub, error: w.ERRNO_INVAL });
    }
  }

  for (;;) {
    // Events in subscription order.
    const events: w.Event[] = [];
    ctx.waiting.beginBatch();
    const now = ctx.clock.monotonicNs();
    let earliest: bigint | null = null;
    for (const d of decoded) {
      const { sub } = d;
      if ('error' in d) {
        ctx.waiting.noteEvent(false);
        events.push({ userdata: sub.userdata, error: d.error, type: sub.tag, nbytes: 0n, flags: 0 });
      } else if ('fd' in d) {
        const answer = d.fd.pollAnswer(sub.tag);
        if (answer === null) continue;
        ctx.waiting.noteEvent(d.fd.listens);
        const flags = answer.hangup ? w.EVENTRWFLAGS_FD_READWRITE_HANGUP : 0;
        events.push({ userdata: sub.userdata, error: 0, type: sub.tag, nbytes: BigInt(answer.nbytes), flags });
      } else if (d.deadline <= now) {
        ctx.waiting.noteEvent(false);
        events.push({ userdata: sub.userdata, error: 0, type: w.EVENTTYPE_CLOCK, nbytes: 0n, flags: 0 });
      } else if (earliest === null || d.deadline < earliest) {
        earliest = d.deadline;
      }
    }
    if (events.length > 0) {
      ctx.waiting.endBatch(events.length);
      const out = ctx.memory.view();
      events.forEach((event, i) => w.writeEvent(out, outPtr + i * w.EVENT_SIZE, event));
      out.setUint32(neventsPtr, events.length, true);
      return w.ERRNO_SUCCESS;
    }
    ctx.waiting.sleep(earliest === null ? -1 : msUntil(earliest, now));
  }
}
