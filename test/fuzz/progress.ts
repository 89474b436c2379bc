// What the module's thread is doing, for the watchdog on the session's main
// thread: whether a call is running, since when, and how long it may take.
// One writer (the worker), one reader (the watchdog).

const IN_CALL = 0;
const SEQ = 1;
/** Written by the watchdog: the call it stopped the module in. */
const STOPPED_SEQ = 2;
const STARTED_AT = 0;
const LIMIT_MS = 1;

export interface CallProgress {
  inCall: boolean;
  seq: number;
  /** performance.timeOrigin + performance.now() at the call's start (same clock on both threads). */
  startedAt: number;
  /** How long the call may take, ms; null: it may wait with no limit (the watchdog stops it). */
  limitMs: number | null;
}

export class Progress {
  private readonly words: Int32Array;
  private readonly times: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(32)) {
    this.words = new Int32Array(buffer, 0, 3);
    this.times = new Float64Array(buffer, 16, 2);
  }

  enter(seq: number, limitMs: number | null): void {
    this.times[STARTED_AT] = wallNow();
    this.times[LIMIT_MS] = limitMs ?? -1;
    Atomics.store(this.words, SEQ, seq);
    Atomics.store(this.words, IN_CALL, 1);
  }

  leave(): void {
    Atomics.store(this.words, IN_CALL, 0);
  }

  /** The watchdog ends the module (its grace is over) while call `seq` waits. */
  markStopped(seq: number): void {
    Atomics.store(this.words, STOPPED_SEQ, seq);
  }

  /** The call the watchdog ended the module in (0: none). */
  stoppedSeq(): number {
    return Atomics.load(this.words, STOPPED_SEQ);
  }

  read(): CallProgress {
    const inCall = Atomics.load(this.words, IN_CALL) === 1;
    const limit = this.times[LIMIT_MS]!;
    return { inCall, seq: Atomics.load(this.words, SEQ), startedAt: this.times[STARTED_AT]!, limitMs: limit < 0 ? null : limit };
  }
}

/** Milliseconds on a clock both threads share (performance.now() alone differs per thread). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
