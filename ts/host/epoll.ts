// The epoll sets behind the WASIX epoll imports: registrations and the ready
// list. What a socket's events are is the socket's business (EpollTarget).

import { EPOLLERR, EPOLLET, EPOLLHUP, EPOLLONESHOT } from '../wasi/index.js';

/** What an epoll set can watch (a listener or a connection). */
export interface EpollTarget {
  /** The events it has now, as EPOLL* bits (IN, OUT, RDHUP, ERR, HUP). */
  epollEvents(): number;
  /** Its registrations, one per set watching it (an array: usually one, and walked on every readiness change). */
  readonly interests: Interest[];
  /** A listener (Descriptor.listens). */
  readonly listens: boolean;
}

/** Where harvest() reports the events: epoll_wait's output (one object, reused from call to call). */
export interface HarvestSink {
  emit(interest: Interest, events: number, index: number): void;
}

/** One socket registered in one epoll set. */
export class Interest {
  /** Cleared after an EPOLLONESHOT report, set again by EPOLL_CTL_MOD. */
  armed = true;
  /** Where it sits in its epoll's ready queue, or -1 when it is not on the ready list. */
  queuedAt = -1;

  /** The 24-byte epoll_data blob, handed back verbatim: as six little-endian words, which epoll_wait writes without a copy call. */
  readonly data = new Uint32Array(6);

  constructor(
    readonly epoll: Epoll,
    /** The socket; another descriptor takes over when a socket the module opened starts listening or connecting. */
    public target: EpollTarget,
    public events: number,
    data: Uint8Array,
  ) {
    this.setData(data);
  }

  setData(blob: Uint8Array): void {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    for (let i = 0; i < 6; i++) this.data[i] = view.getUint32(4 * i, true);
  }

  /** The bits to report for a socket whose current events are `now`: ERR and HUP always, as on Linux. */
  matches(now: number): number {
    return now & (this.events | EPOLLERR | EPOLLHUP);
  }
}

/**
 * An epoll instance. Like Linux's, it keeps a ready list: an interest joins it
 * when it is added or modified while ready, or when the transport reports that
 * its socket's readiness may have changed. epoll_wait looks only at that list,
 * so a wait costs O(ready), not O(registered).
 *
 * Level-triggered interests that still have events go back to the end of the
 * list after being reported (so every ready socket gets its turn when there are
 * more than maxevents); edge-triggered ones leave it until the next change;
 * one-shot ones are disarmed until EPOLL_CTL_MOD.
 */
export class Epoll {
  readonly interests = new Map<EpollTarget, Interest>();
  /**
   * The ready list, oldest first, in queue[head, tail): an interest joins at
   * the end and its `queuedAt` says where; an entry its interest no longer
   * points at (taken off, or queued again later) is skipped. Unlike a Set,
   * joining and leaving hash nothing: a few stores per event. It may hold
   * interests that turn out not to be ready (dropped when looked at).
   */
  private queue: Interest[] = [];
  private head = 0;
  private tail = 0;

  get registered(): number {
    return this.interests.size;
  }

  /** Watches nothing but listeners, or nothing (Waiting's Watched: asked only during a stop). */
  get onlyListeners(): boolean {
    for (const target of this.interests.keys()) if (!target.listens) return false;
    return true;
  }

  add(target: EpollTarget, events: number, data: Uint8Array): Interest {
    const interest = new Interest(this, target, events, data);
    this.interests.set(target, interest);
    target.interests.push(interest);
    this.checkNow(interest);
    return interest;
  }

  modify(interest: Interest, events: number, data: Uint8Array): void {
    interest.events = events;
    interest.setData(data);
    interest.armed = true;
    interest.queuedAt = -1;
    this.checkNow(interest);
  }

  remove(interest: Interest): void {
    this.interests.delete(interest.target);
    forget(interest);
    interest.queuedAt = -1;
  }

  /**
   * The same socket under a new descriptor (a socket the module opened has
   * started to listen or connect): its registration and place on the ready
   * list carry over, as on Linux, where the registration is the socket's.
   */
  retarget(interest: Interest, next: EpollTarget): void {
    this.interests.delete(interest.target);
    forget(interest);
    interest.target = next;
    this.interests.set(next, interest);
    next.interests.push(interest);
    this.checkNow(interest);
  }

  /** The socket's readiness may have changed (transport onChange, or the host's own shutdown). */
  notify(interest: Interest): void {
    if (interest.armed) this.enqueue(interest);
  }

  /**
   * Reports up to `max` ready interests to `sink`; returns how many.
   * Costs one readiness query per interest on the ready list that it visits,
   * and allocates nothing per interest.
   */
  harvest(max: number, sink: HarvestSink): number {
    let n = 0;
    // Only the interests queued when the call began: one put back at the end
    // (level-triggered), or queued by a readiness query, waits for the next
    // call rather than being reported twice in this one.
    const end = this.tail;
    let k = this.head;
    for (; k < end && n < max; k++) {
      const interest = this.queue[k]!;
      if (interest.queuedAt !== k) continue;
      interest.queuedAt = -1;
      if (!interest.armed) continue;
      const events = interest.matches(interest.target.epollEvents());
      if (events === 0) continue;
      sink.emit(interest, events, n);
      n++;
      if (interest.events & EPOLLONESHOT) interest.armed = false;
      else if (!(interest.events & EPOLLET)) this.enqueue(interest);
    }
    this.head = k;
    this.compact();
    return n;
  }

  /** Whether epoll_wait would report something now (poll_oneoff on the epoll fd). Consumes nothing. */
  hasEvents(): boolean {
    for (let k = this.head; k < this.tail; k++) {
      const interest = this.queue[k]!;
      if (interest.queuedAt !== k) continue;
      if (interest.armed && interest.matches(interest.target.epollEvents()) !== 0) return true;
      interest.queuedAt = -1;
    }
    return false;
  }

  /** The epoll fd was closed: every registration goes. */
  clear(): void {
    for (const interest of this.interests.values()) {
      forget(interest);
      interest.queuedAt = -1;
    }
    this.interests.clear();
    this.queue = [];
    this.head = this.tail = 0;
  }

  private checkNow(interest: Interest): void {
    if (interest.matches(interest.target.epollEvents()) !== 0) this.enqueue(interest);
  }

  private enqueue(interest: Interest): void {
    if (interest.queuedAt >= 0) return;
    interest.queuedAt = this.tail;
    this.queue[this.tail++] = interest;
  }

  /** Drops the consumed front of the queue once it is most of it, so the queue stays as long as the ready list. */
  private compact(): void {
    const { head, tail } = this;
    if (head === 0 || (head < 1024 && head < tail)) return;
    if (head * 2 < tail) return;
    for (let k = head; k < tail; k++) {
      const interest = this.queue[k]!;
      if (interest.queuedAt === k) interest.queuedAt = k - head;
      this.queue[k - head] = interest;
    }
    this.tail = tail - head;
    this.head = 0;
  }
}

/** Takes `interest` off its target's list of registrations. */
function forget(interest: Interest): void {
  const list = interest.target.interests;
  const at = list.indexOf(interest);
  if (at >= 0) list.splice(at, 1);
}
