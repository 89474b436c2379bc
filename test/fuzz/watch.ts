// How the thread that starts fuzzed modules watches the calls the module's
// thread makes (Progress, in shared memory), whichever thread that is:
// - a call with a timeout that runs past it (plus slack) is a failure;
// - a call that may wait without a limit (a blocking accept, recv or send, a
//   poll with no clock) makes it stop the module after WATCHDOG_MS, the way an
//   owner does; a call still waiting WATCHDOG_MS into the stop makes it end
//   the module, as when the grace is over, and must then return (or end the
//   module) within STOP_PROMPT_MS;
// - on the memory network (virtual clock, watched from inside) a call that
//   takes HANG_MS of real time is a failure.
// What stopping, ending and failing mean is the caller's: session.ts stops a
// module in a worker through its ControlBlock and the owner's wake; here.ts
// one on the session's own thread with SIGTERM, as the CLI's is stopped.

import { REAL_SLACK_MS, WATCHDOG_MS } from './driver.js';
import { wallNow, type Progress } from './progress.js';

/** After the end request, how long a call may still take to return. */
const STOP_PROMPT_MS = 1000;
/** The memory network's calls take virtual time; this much real time in one call is a hang. */
const HANG_MS = 3000;
const WATCH_EVERY_MS = 10;

export interface WatchActions {
  /** Stops the module now (its call has waited WATCHDOG_MS with no limit). */
  stop(): void;
  /** Ends it now (a call still waits WATCHDOG_MS into the stop): ControlBlock.requestEnd, and a wake. */
  end(): void;
  /** A property failed: the module's thread is stuck, end it. */
  fail(property: string, message: string): void;
  /** A line for the trace. */
  note(line: string): void;
}

export interface Watching {
  /** Stops watching; true when the module was stopped meanwhile. */
  finish(): boolean;
}

/** Watches the calls; `real`: over real sockets (false: the memory network, which stops its module itself). */
export function watchCalls(progress: Progress, real: boolean, actions: WatchActions): Watching {
  let stopAt: number | null = null;
  let endAt: number | null = null;
  let endedSeq = -1;
  let failed = false;
  const fail = (property: string, message: string) => {
    failed = true;
    clearInterval(timer);
    actions.fail(property, message);
  };
  const timer = setInterval(() => {
    const p = progress.read();
    if (!p.inCall || failed) return;
    const took = wallNow() - p.startedAt;
    const call = `call #${p.seq}`;
    if (!real) {
      if (took > HANG_MS) fail('no call hangs', `${call} has not returned after ${took.toFixed(0)} ms of real time`);
      return;
    }
    if (endAt !== null) {
      // Once the end is requested, the call that was waiting returns and no call waits again.
      if (wallNow() - Math.max(endAt, p.startedAt) > STOP_PROMPT_MS) {
        fail('an ended module waits no more', `${call} has not returned ${STOP_PROMPT_MS} ms after the end request${p.seq === endedSeq ? '' : ' (it began after it)'}`);
      }
      return;
    }
    if (p.limitMs !== null) {
      if (took > p.limitMs + REAL_SLACK_MS) fail('no call waits past its timeout', `${call} has taken ${took.toFixed(0)} ms; its timeout was ${p.limitMs} ms`);
      return;
    }
    if (stopAt === null && took > WATCHDOG_MS) {
      stopAt = wallNow();
      actions.note(`watchdog: ${call} has waited ${WATCHDOG_MS} ms; the owner stops the module`);
      actions.stop();
    } else if (stopAt !== null && wallNow() - Math.max(stopAt, p.startedAt) > WATCHDOG_MS) {
      endAt = wallNow();
      endedSeq = p.seq;
      progress.markStopped(p.seq);
      actions.note(`watchdog: ${call} still waits ${WATCHDOG_MS} ms into the stop; the owner ends the module`);
      actions.end();
    }
  }, WATCH_EVERY_MS);
  return {
    finish() {
      clearInterval(timer);
      return stopAt !== null;
    },
  };
}
