// poll_oneoff: any number of fd_read/fd_write subscriptions (sockets, epoll
// sets, runtime fds) and clock subscriptions (relative or absolute), with
// per-subscription errors, HANGUP and nbytes. It sleeps in the host's Waiting
// until a socket changes or the earliest clock is due; it never busy-waits.
//
// Its cost follows events, not subscriptions. Programs in mio's pattern
// subscribe every socket for reading and writing on every call, and nearly all
// of them are writable: so a subscription costs one read of the transport's
// readiness (no system call: README, "poll_oneoff's nbytes"), a socket
// subscribed twice in a row is asked once, the subscriptions are decoded into
// typed arrays kept from call to call (no object, no BigInt per subscription),
// and each look is one pass over them.

import * as w from '../wasi/index.js';
import type { Clock } from './clock.js';
import { PollState, type Descriptor } from './descriptor.js';
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

// What a decoded subscription is.
/** Reported at once with its errno (a bad fd, an unknown clock or tag). */
const ERROR = 0;
const DESCRIPTOR = 1;
const CLOCK = 2;

const TWO_32 = 2 ** 32;

/** One poll_oneoff per module instance: its storage is kept from call to call, grown on demand. */
export class PollOneoff {
  private capacity = 0;
  private kind = new Uint8Array(0);
  /** The subscription's tag, which is the event's type. */
  private type = new Uint8Array(0);
  private errno = new Uint16Array(0);
  /** userdata as the module wrote it: two raw u32 words per subscription, handed back unread. */
  private userdata = new Uint32Array(0);
  /**
   * Clock deadlines in monotonic ns. A double is exact to the nanosecond for
   * 104 days of uptime and within a few ns after: far below the millisecond a
   * wait is measured in.
   */
  private deadline = new Float64Array(0);
  /** The descriptor of each fd subscription (entries past a call's count are stale and never read). */
  private readonly fds: (Descriptor | undefined)[] = [];
  /** The events of one look, in subscription order: which subscription, its nbytes and flags. */
  private readyIndex = new Uint32Array(0);
  private readyBytes = new Float64Array(0);
  private readyFlags = new Uint16Array(0);
  private readonly state = new PollState();

  constructor(private readonly ctx: PollContext) {}

  poll(inPtr: number, outPtr: number, n: number, neventsPtr: number): number {
    if (n === 0 || n > MAX_POLL_SUBSCRIPTIONS) return w.ERRNO_INVAL;
    const { ctx } = this;
    const view = ctx.memory.view();
    w.checkRange(view, inPtr, n * w.SUBSCRIPTION_SIZE);
    w.checkRange(view, outPtr, n * w.EVENT_SIZE);
    w.checkRange(view, neventsPtr, 4);

    // Collect pending readiness reports (and let the transport flush queued sends).
    ctx.waiting.refresh();
    this.reserve(n);
    // Every subscription is decoded before any event is written: the two
    // arrays may overlap.
    this.decode(view, inPtr, n);

    for (;;) {
      ctx.waiting.beginBatch();
      let now = -1;
      let earliest = Infinity;
      let count = 0;
      let asked: Descriptor | undefined;
      const { state } = this;
      for (let i = 0; i < n; i++) {
        const kind = this.kind[i];
        let nbytes = 0;
        let flags = 0;
        if (kind === DESCRIPTOR) {
          const fd = this.fds[i]!;
          if (fd !== asked) {
            fd.pollState(state);
            asked = fd;
          }
          const reading = this.type[i] === w.EVENTTYPE_FD_READ;
          if (!(reading ? state.readReady : state.writeReady)) continue;
          ctx.waiting.noteEvent(fd.listens);
          nbytes = reading ? state.toRead : state.toWrite;
          if (state.hangup) flags = w.EVENTRWFLAGS_FD_READWRITE_HANGUP;
        } else if (kind === CLOCK) {
          if (now < 0) now = Number(ctx.clock.monotonicNs());
          const deadline = this.deadline[i]!;
          if (deadline > now) {
            if (deadline < earliest) earliest = deadline;
            continue;
          }
          ctx.waiting.noteEvent(false);
        } else {
          ctx.waiting.noteEvent(false);
        }
        this.readyIndex[count] = i;
        this.readyBytes[count] = nbytes;
        this.readyFlags[count] = flags;
        count++;
      }
      if (count > 0) {
        ctx.waiting.endBatch(count);
        const out = ctx.memory.view();
        this.writeEvents(out, outPtr, count);
        out.setUint32(neventsPtr, count, true);
        return w.ERRNO_SUCCESS;
      }
      ctx.waiting.sleep(earliest === Infinity ? -1 : msUntil(earliest, now));
    }
  }

  // subscription, 48 bytes: userdata u64 @0, tag u8 @8, then the union @16:
  //   clock: id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40
  //   fd_read / fd_write: file_descriptor u32 @16
  private decode(view: DataView, inPtr: number, n: number): void {
    const { ctx } = this;
    let start = -1;
    let realtime = -1;
    for (let i = 0; i < n; i++) {
      const at = inPtr + i * w.SUBSCRIPTION_SIZE;
      this.userdata[2 * i] = view.getUint32(at, true);
      this.userdata[2 * i + 1] = view.getUint32(at + 4, true);
      const tag = view.getUint8(at + 8);
      this.type[i] = tag;
      if (tag === w.EVENTTYPE_FD_READ || tag === w.EVENTTYPE_FD_WRITE) {
        const fd = ctx.descriptor(view.getUint32(at + 16, true));
        this.fds[i] = fd;
        if (fd === undefined) this.error(i, w.ERRNO_BADF);
        else this.kind[i] = DESCRIPTOR;
      } else if (tag === w.EVENTTYPE_CLOCK) {
        const clockId = view.getUint32(at + 16, true);
        if (clockId !== w.CLOCKID_REALTIME && clockId !== w.CLOCKID_MONOTONIC) {
          this.error(i, w.ERRNO_INVAL);
          continue;
        }
        this.kind[i] = CLOCK;
        const timeout = view.getUint32(at + 24, true) + view.getUint32(at + 28, true) * TWO_32;
        if (start < 0) start = Number(ctx.clock.monotonicNs());
        let deadline = start + timeout;
        if (view.getUint16(at + 40, true) & w.SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME) {
          // An absolute REALTIME deadline becomes a monotonic one: the wait
          // is measured on the monotonic clock.
          if (clockId === w.CLOCKID_MONOTONIC) deadline = timeout;
          else {
            if (realtime < 0) realtime = Number(ctx.clock.realtimeNs());
            deadline = start + (timeout - realtime);
          }
        }
        this.deadline[i] = deadline;
      } else {
        this.error(i, w.ERRNO_INVAL);
      }
    }
  }

  /** Subscription `i` is reported at once with `errno`. */
  private error(i: number, errno: number): void {
    this.kind[i] = ERROR;
    this.errno[i] = errno;
  }

  // event, 32 bytes: userdata u64 @0, error u16 @8, type u8 @10,
  //   fd_readwrite: nbytes u64 @16, flags u16 @24; the rest zero.
  private writeEvents(view: DataView, outPtr: number, count: number): void {
    for (let j = 0; j < count; j++) {
      const i = this.readyIndex[j]!;
      const at = outPtr + j * w.EVENT_SIZE;
      const nbytes = this.readyBytes[j]!;
      view.setUint32(at, this.userdata[2 * i]!, true);
      view.setUint32(at + 4, this.userdata[2 * i + 1]!, true);
      view.setUint16(at + 8, this.kind[i] === ERROR ? this.errno[i]! : 0, true);
      // type u8, then a zero byte.
      view.setUint16(at + 10, this.type[i]!, true);
      view.setUint32(at + 12, 0, true);
      view.setUint32(at + 16, nbytes % TWO_32, true);
      view.setUint32(at + 20, Math.floor(nbytes / TWO_32), true);
      // flags u16, then two zero bytes.
      view.setUint32(at + 24, this.readyFlags[j]!, true);
      view.setUint32(at + 28, 0, true);
    }
  }

  private reserve(n: number): void {
    if (n <= this.capacity) return;
    const capacity = Math.max(n, 2 * this.capacity, 64);
    this.capacity = capacity;
    this.kind = new Uint8Array(capacity);
    this.type = new Uint8Array(capacity);
    this.errno = new Uint16Array(capacity);
    this.userdata = new Uint32Array(2 * capacity);
    this.deadline = new Float64Array(capacity);
    this.readyIndex = new Uint32Array(capacity);
    this.readyBytes = new Float64Array(capacity);
    this.readyFlags = new Uint16Array(capacity);
  }
}
