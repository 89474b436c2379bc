// The epoll sets behind the WASIX epoll imports: registrations and the ready
// list. What a socket's events are is the socket's business (EpollTarget).

import { EPOLLERR, EPOLLET, EPOLLHUP, EPOLLONESHOT } from '../wasi/index.js';

/** What an epoll set can watch (a listener or a connection). */
export interface EpollTarget {
  /** The events it has now, as EPOLL* bits (IN, OUT, RDHUP, ERR, HUP). */
  epollEvents(): number;
  /** Its registrations, one per set watching it. */
  readonly interests: Set<Interest>;
  /** A listener (Descriptor.listens). */
  readonly listens: boolean;
}

/** One socket registered in one epoll set. */
export class Interest {
  /** Cleared after an EPOLLONESHOT report, set again by EPOLL_CTL_MOD. */
  armed = true;

  constructor(
    readonly epoll: Epoll,
    /** The socket; another descriptor takes over when a socket the module opened starts listening or connecting. */
    public target: EpollTarget,
    public events: number,
    /** The 24-byte epoll_data blob, handed back verbatim. */
    public data: Uint8Array,
  ) {}

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
  /** Insertion-ordered; may hold interests that turn out not to be ready (dropped when looked at). */
  private readonly ready = new Set<Interest>();

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
    target.interests.add(interest);
    this.checkNow(interest);
    return interest;
  }

  modify(interest: Interest, events: number, data: Uint8Array): void {
    interest.events = events;
    interest.data = data;
    interest.armed = true;
    this.ready.delete(interest);
    this.checkNow(interest);
  }

  remove(interest: Interest): void {
    this.interests.delete(interest.target);
    interest.target.interests.delete(interest);
    this.ready.delete(interest);
  }

  /**
   * The same socket under a new descriptor (a socket the module opened has
   * started to listen or connect): its registration and place on the ready
   * list carry over, as on Linux, where the registration is the socket's.
   */
  retarget(interest: Interest, next: EpollTarget): void {
    this.interests.delete(interest.target);
    interest.target.interests.delete(interest);
    interest.target = next;
    this.interests.set(next, interest);
    next.interests.add(interest);
    this.checkNow(interest);
  }

  /** The socket's readiness may have changed (transport onChange, or the host's own shutdown). */
  notify(interest: Interest): void {
    if (interest.armed) this.ready.add(interest);
  }

  /**
   * Reports up to `max` ready interests through `emit`; returns how many.
   * Costs one readiness query per interest on the ready list that it visits.
   */
  harvest(max: number, emit: (interest: Interest, events: number, index: number) => void): number {
    let n = 0;
    const stillReady: Interest[] = [];
    // A snapshot: a readiness query may report changes that re-add interests,
    // which must wait for the next call rather than be reported twice in this one.
    for (const interest of Array.from(this.ready)) {
      if (n >= max) break;
      if (!this.ready.delete(interest)) continue;
      if (!interest.armed) continue;
      const events = interest.matches(interest.target.epollEvents());
      if (events === 0) continue;
      emit(interest, events, n);
      n++;
      if (interest.events & EPOLLONESHOT) interest.armed = false;
      else if (!(interest.events & EPOLLET)) stillReady.push(interest);
    }
    for (const interest of stillReady) this.ready.add(interest);
    return n;
  }

  /** Whether epoll_wait would report something now (poll_oneoff on the epoll fd). Consumes nothing. */
  hasEvents(): boolean {
    for (const interest of this.ready) {
      if (interest.armed && interest.matches(interest.target.epollEvents()) !== 0) return true;
      this.ready.delete(interest);
    }
    return false;
  }

  /** The epoll fd was closed: every registration goes. */
  clear(): void {
    for (const interest of this.interests.values()) interest.target.interests.delete(interest);
    this.interests.clear();
    this.ready.clear();
  }

  private checkNow(interest: Interest): void {
    if (interest.matches(interest.target.epollEvents()) !== 0) this.ready.add(interest);
  }
}
