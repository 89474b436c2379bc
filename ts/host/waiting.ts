// Where the module's thread sleeps, and what a stop does to a module.
//
// Every import that must wait for the network (a blocking accept, recv or
// send; poll_oneoff; epoll_wait) sleeps here, in transport.wait(). Two things
// are decided in this one place, for every transport:
//
// - "the module is serving": the first time it is about to sleep, the module
//   has set itself up and entered its loop (serve() resolves then);
// - a stop. Once the owner asks the module to stop (ControlBlock), listeners
//   hang up: a poll or epoll_wait on one reports it ready with HUP at once,
//   and accept answers ECANCELED. Everything else works as before until the
//   grace ends — waits on clocks and on connections sleep as they would — so
//   a module can finish the requests it has and exit by itself (the echo
//   core closes its connections and prints its stats line; a Go server
//   drains with http.Server.Shutdown). No wait fails as a whole: Go's runtime
//   takes a failing poll_oneoff as fatal. When the grace ends the owner asks
//   for the end (ControlBlock.requestEnd): the next wait throws ModuleStopped,
//   and a thread that makes no call is terminated.
//
//   A module that ignores the stop never spins or floods a log until then: it
//   is told of the stop (an accept refused; a wait whose only news is
//   listeners' hangups) at most MAX_STOP_NOTICES times and then ended (a
//   blocking accept retried in a loop, a poll on nothing but the listeners);
//   a wait with no deadline on nothing but hung-up listeners, which only the
//   end of the grace could wake, ends it at once. See ModuleStopped.

import { ERRNO_CANCELED } from '../wasi/index.js';
import type { ControlBlock } from '../transport/control-block.js';
import type { SocketTransport } from '../transport/types.js';

/** The errno of a stop notice. Not EINTR: loops retry EINTR. */
export const ERRNO_STOPPED = ERRNO_CANCELED;

/**
 * How many times a stopping module is told of the stop (refused calls, or
 * waits that return only to report it) before the host ends it. A module
 * busy with its connections is not counted: only what it is told of the stop. A module
 * that stops needs two or three (a hung-up listener, a refused accept); one
 * that retries every error in a loop prints at most this many lines.
 */
export const MAX_STOP_NOTICES = 8;

/** A single transport.wait() sleeps at most this long; longer timeouts loop (and re-read the clock). */
const MAX_WAIT_MS = 1 << 30;

/** Why a module is ended when its grace period is over, however the host ends it (here, at its next wait). */
export const GRACE_OVER = 'it did not end within the grace period';

/**
 * Thrown out of an import to end a module that did not stop when asked. It
 * unwinds the module's stack like a trap; the worker reports it as stopped.
 */
export class ModuleStopped extends Error {
  constructor(why: string) {
    super(`the module was ended by the host: ${why}`);
    this.name = 'ModuleStopped';
  }
}

/** What a wait watches, asked only when a stop makes it matter. */
export interface Watched {
  /** Nothing but listeners (or nothing at all): during a stop, nothing could wake the wait but the end of the grace. */
  readonly onlyListeners: boolean;
}

export class Waiting {
  private announced = false;
  private stopSeen = false;
  private notices = 0;

  constructor(
    private readonly transport: SocketTransport,
    private readonly control: ControlBlock,
    /** Called once, when the module first sleeps. */
    private readonly onServing: () => void,
    /** Called once, when the host first sees the stop request: the listeners' readiness changed. */
    private readonly onStop: () => void,
  ) {}

  private onlyListenersInBatch = false;

  /** True once the owner asked the module to stop. */
  get stopping(): boolean {
    if (this.stopSeen) return true;
    if (!this.control.stopRequested) return false;
    this.stopSeen = true;
    this.onStop();
    return true;
  }

  /**
   * Sleeps until something may have changed or `timeoutMs` passed (< 0: no
   * limit); the caller then looks again. During a stop it sleeps as before;
   * it throws ModuleStopped once the grace is over, or when it would sleep
   * with no limit on nothing but hung-up listeners (`watched`).
   */
  sleep(timeoutMs: number, watched?: Watched): void {
    if (timeoutMs === 0) {
      this.refresh();
      return;
    }
    this.endIfOver();
    // The watched set is looked at only during a stop: outside one, a wait costs nothing per registration.
    if (timeoutMs < 0 && watched !== undefined && this.control.stopRequested && watched.onlyListeners) {
      // Seen before the caller looked: its listeners' hangups were news it has had.
      const told = this.stopSeen;
      if (this.stopping) {
        // Seen only now, after the caller looked: the hangups are news, for its next look.
        if (!told) return;
        throw new ModuleStopped('it waited with no timeout on nothing but its hung-up listeners');
      }
    }
    if (!this.announced) {
      this.announced = true;
      this.onServing();
    }
    this.transport.wait(timeoutMs < 0 ? -1 : Math.min(timeoutMs, MAX_WAIT_MS));
    this.endIfOver();
    // A stop that woke us makes the listeners ready before the caller looks again.
    void this.stopping;
  }

  /** Collects news without sleeping (the top of poll_oneoff and epoll_wait), a stop request included. */
  refresh(): void {
    this.transport.wait(0);
    void this.stopping;
  }

  /** Refuses a call of a stopping module: ERRNO_STOPPED, a stop notice. */
  refuse(): number {
    this.count();
    return ERRNO_STOPPED;
  }

  /**
   * A wait (poll_oneoff, epoll_wait) starts collecting its events. A stopping
   * module's batch made only of listeners' hang-ups tells it nothing but the
   * stop: endBatch counts it toward MAX_STOP_NOTICES.
   */
  beginBatch(): void {
    this.onlyListenersInBatch = this.stopping;
  }

  noteEvent(fromListener: boolean): void {
    if (!fromListener) this.onlyListenersInBatch = false;
  }

  endBatch(events: number): void {
    if (events > 0 && this.onlyListenersInBatch) this.count();
  }

  /** The grace is over: the owner woke this thread to end it, and it must not sleep again. */
  private endIfOver(): void {
    if (this.control.endRequested) throw new ModuleStopped(GRACE_OVER);
  }

  private count(): void {
    if (++this.notices > MAX_STOP_NOTICES) throw new ModuleStopped(`it ignored ${MAX_STOP_NOTICES} requests to stop`);
  }
}

/** Whole milliseconds (rounded up, so a wait never ends before its deadline) from `nowNs` to `deadlineNs`. */
export function msUntil(deadlineNs: number, nowNs: number): number {
  const ns = deadlineNs - nowNs;
  if (ns <= 0) return 0;
  const ms = Math.ceil(ns / 1_000_000);
  return ms > MAX_WAIT_MS ? MAX_WAIT_MS : ms;
}
