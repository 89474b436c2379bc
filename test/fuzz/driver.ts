// The call loop of one instance: picks an import, makes its arguments, calls
// it as the module would, and checks after every call that
// - it returned (proc_exit and proc_raise end the module by throwing; a
//   stopped module may be ended with ModuleStopped) and did not throw;
// - it returned a WASI errno (an integer 0..76);
// - it did not wait past its timeout; a call that may wait without one
//   makes the watchdog stop the module, as an owner does (listeners hang up,
//   other waits go on: stop notices may end the module with ModuleStopped),
//   and end it if a call still waits a while later (as when the grace is
//   over): that call then returns promptly what it was waiting for (or
//   ECANCELED) or ends the module (ModuleStopped), and no call waits after that;
// - it changed no byte of memory outside its out-parameters, and did not
//   succeed when given a range that runs past the end of memory (abi.ts);
// - the host reported no internal error, and the process's own stdio
//   descriptors are still the ones it started with, unwritten.

import { ModuleStopped } from '../../ts/host/index.js';
import type { ControlBlock } from '../../ts/transport/control-block.js';
import * as w from '../../ts/wasi/index.js';
import { fdIdentity } from '../helpers/fd-identity.js';
import { IMPORTS, mayWrite, outsideMemory, u32, type Arg, type FuzzClock, type ImportSpec, type Range, type WriteContext } from './abi.js';
import type { DescriptorModel } from './descriptors.js';
import { hex, type ArgumentGenerator } from './generate.js';
import type { MemoryPeers } from './memory-peers.js';
import { wallNow, type Progress } from './progress.js';
import type { Rng } from './rng.js';
import { FuzzFailure, type Trace } from './trace.js';

/** The largest errno preview1 defines (ERRNO_NOTCAPABLE). */
const MAX_ERRNO = w.ERRNO_NOTCAPABLE;
/** A call whose timeout is longer than this counts as one without: the watchdog ends it. */
export const WATCHDOG_MS = 250;
/**
 * Real clocks: what scheduling and GC on a loaded machine may add to a call
 * past its timeout. Here, not in instance.ts, so that the session's thread
 * (session.ts) can watch with it without loading the runtimes.
 */
export const REAL_SLACK_MS = 1000;
/**
 * What a call that was waiting when the module was ended may return, if it
 * does not end the module: what it was waiting for (it came at the same time:
 * data, a connection, an event; or the connection's own end, ECONNRESET or
 * EPIPE), or ECANCELED (an accept, refused once listeners hang up).
 */
const STOPPED_CALL_RESULTS = new Set([w.ERRNO_CANCELED, w.ERRNO_SUCCESS, w.ERRNO_CONNRESET, w.ERRNO_PIPE]);
/** After the end, calls the module still makes before the instance ends (each must return at once). */
const CALLS_AFTER_END = 24;

/** How often each import is called, relative to 1 (the runtime's imports). */
const WEIGHTS: Readonly<Record<string, number>> = {
  sock_accept: 6,
  sock_recv: 6,
  sock_send: 5,
  sock_shutdown: 2,
  fd_read: 4,
  fd_write: 4,
  fd_close: 1,
  fd_renumber: 1.5,
  fd_fdstat_get: 2,
  fd_fdstat_set_flags: 3,
  poll_oneoff: 6,
  epoll_create: 3,
  epoll_ctl: 5,
  epoll_wait: 5,
  path_open: 2,
  sock_open: 3,
  sock_bind: 2,
  sock_listen: 2,
  sock_connect: 3,
  sock_accept_v2: 3,
  proc_exit: 0.05,
  proc_raise: 0.05,
};

export type Ending = 'proc_exit' | 'proc_raise' | 'stopped';

export interface DriverOptions {
  imports: Readonly<Record<string, (...args: Arg[]) => unknown>>;
  memory: WebAssembly.Memory;
  rng: Rng;
  model: DescriptorModel;
  generator: ArgumentGenerator;
  /** The host's clock: timeouts in the arguments are on it. */
  clock: FuzzClock;
  /** Milliseconds on the clock the host waits on (virtual for the memory network). */
  now(): number;
  control: ControlBlock;
  progress: Progress;
  trace: Trace;
  peers: MemoryPeers | null;
  internalErrors: unknown[];
  writeContext: WriteContext;
  maxCalls: number;
  /** wallNow() at which the instance ends at the latest. */
  deadline: number;
  /** How far past its timeout a call may return (scheduling, GC). */
  slackMs: number;
  maxPages: number;
  /** The process's stdio descriptors and the trace pipe, which no call may close or replace. */
  processFds: readonly number[];
}

export class Driver {
  calls = 0;
  ending: Ending | null = null;
  /** The call running now, for the memory network's watchdog. */
  inCall = false;
  callStartedAt = 0;
  callLimit: number | null = null;
  /** now() when the watchdog asked the module to stop (memory network only). */
  stopAt: number | null = null;
  /** now() when the watchdog ended the module (memory network only). */
  endAt: number | null = null;
  /** The longest a call with a timeout took past it, ms. */
  worstOverrun = 0;
  /** The call that overran most, as traced. */
  worstOverrunCall = '';
  readonly perImport = new Map<string, number>();
  /** What the calls that were waiting when the watchdog ended the module returned (or ModuleStopped: they ended it). */
  readonly stoppedCalls = new Map<string, number>();
  private callsAfterEnd = 0;
  private lastCallText = '';
  private readonly names: string[];
  private readonly weights: (readonly [string, number])[];
  private readonly fdIdentity: Map<number, string>;

  constructor(private readonly o: DriverOptions) {
    this.names = Object.keys(o.imports);
    this.weights = this.names.map((name) => [name, WEIGHTS[name] ?? 1] as const);
    this.fdIdentity = new Map(o.processFds.map((fd) => [fd, identity(fd)]));
  }

  /** The module's _start: calls until the budget, the deadline or the module's end. */
  run(): void {
    const { o } = this;
    while (this.calls < o.maxCalls && wallNow() < o.deadline) {
      if (o.control.endRequested && this.callsAfterEnd >= CALLS_AFTER_END) return;
      o.peers?.maybeAct();
      if (o.rng.chance(0.002) && o.memory.buffer.byteLength / 65536 < o.maxPages) {
        o.memory.grow(1);
        o.trace.note(`memory grows to ${o.memory.buffer.byteLength} bytes`);
      }
      this.call(o.rng.weighted(this.weights));
    }
  }

  private call(name: string): void {
    const { o } = this;
    const spec = IMPORTS[name]!;
    const fn = o.imports[name]!;
    const seq = ++this.calls;
    this.perImport.set(name, (this.perImport.get(name) ?? 0) + 1);
    const { args, notes } = o.generator.make(name, spec);
    const view = new DataView(o.memory.buffer);
    const allowed = mayWrite(spec, args, view, o.writeContext);
    const outside = outsideMemory(spec, args, view, o.writeContext);
    const limit = limitOf(spec, args, view, o.clock);
    const before = new Uint8Array(o.memory.buffer).slice();
    this.lastCallText = `#${seq} ${name}(${args.map((a, i) => this.formatArg(spec, i, a)).join(', ')})${notes.length > 0 ? ` ${notes.join(' ')}` : ''}`;
    o.trace.call(this.lastCallText);

    const endingBefore = o.control.endRequested;
    this.callStartedAt = o.now();
    this.callLimit = limit;
    this.inCall = true;
    o.progress.enter(seq, limit);
    let result: unknown;
    let thrown: unknown;
    let threw = false;
    try {
      result = fn(...args);
    } catch (error) {
      threw = true;
      thrown = error;
    }
    o.progress.leave();
    this.inCall = false;
    const took = o.now() - this.callStartedAt;
    o.trace.result(`${threw ? `threw ${describe(thrown)}` : typeof result === 'number' ? `${result} ${w.errnoName(result)}` : String(result)} (${took.toFixed(1)} ms)`);

    if (threw) {
      if (spec.ends) {
        this.ending = name as Ending;
        throw thrown;
      }
      // Told of the stop too often, or ended.
      if (thrown instanceof ModuleStopped && o.control.stopRequested) {
        if (this.wasWaitingAtEnd(seq, endingBefore)) this.noteEndedCall('ModuleStopped');
        this.ending = 'stopped';
        throw thrown;
      }
      throw new FuzzFailure('no import throws', `${name} threw ${describe(thrown)}`);
    }
    if (typeof result !== 'number' || !Number.isInteger(result) || result < 0 || result > MAX_ERRNO) {
      throw new FuzzFailure('every result is a WASI errno', `${name} returned ${describe(result)}, not an errno 0..${MAX_ERRNO}`);
    }
    this.checkTime(name, limit, took, endingBefore);
    if (this.wasWaitingAtEnd(seq, endingBefore)) {
      this.noteEndedCall(w.errnoName(result));
      if (!STOPPED_CALL_RESULTS.has(result)) {
        throw new FuzzFailure('an ended call returns what it waited for', `${name} was waiting when the module was ended and returned ${w.errnoName(result)}: not ECANCELED, nor what it waited for`);
      }
    }
    const changed = changedOutside(before, new Uint8Array(o.memory.buffer), allowed);
    if (changed !== null) {
      throw new FuzzFailure(
        'memory outside the out-parameters is unchanged',
        `${name} changed ${changed.count} byte(s) outside its out-parameters, the first at ${hex(changed.at)} (${changed.was} -> ${changed.now}); it may write ${allowed.map(([a, b]) => `[${hex(a)}, ${hex(b)})`).join(' ') || 'nothing'}`,
      );
    }
    if (outside !== null && result === w.ERRNO_SUCCESS && !spec.ends) {
      throw new FuzzFailure('a call given a range outside memory does not succeed', `${name} succeeded although it was given [${hex(outside[0])}, ${hex(outside[1])}), which runs past the end of memory (${view.byteLength} bytes)`);
    }
    if (o.internalErrors.length > 0) {
      const error = o.internalErrors[0];
      throw new FuzzFailure('no internal error', `${name}: the host reported an internal error (the import answered EIO): ${error instanceof Error ? error.stack : String(error)}`);
    }
    for (const [fd, was] of this.fdIdentity) {
      const now = identity(fd);
      if (now !== was) throw new FuzzFailure("the process's own descriptors are untouched", `after ${name}, the process's fd ${fd} is ${now}; it was ${was}`);
    }
    // A nonblocking connect under way has made a connection too.
    if (result === w.ERRNO_SUCCESS || (name === 'sock_connect' && result === w.ERRNO_INPROGRESS)) this.learn(name, args);
    if (o.control.endRequested) this.callsAfterEnd++;
  }

  /** The call that was waiting when the watchdog ended the module (the session's watchdog names it; the memory network's runs inside it). */
  private wasWaitingAtEnd(seq: number, endingBefore: boolean): boolean {
    return !endingBefore && this.o.control.endRequested && (this.endAt !== null || this.o.progress.stoppedSeq() === seq);
  }

  private noteEndedCall(outcome: string): void {
    this.stoppedCalls.set(outcome, (this.stoppedCalls.get(outcome) ?? 0) + 1);
  }

  private checkTime(name: string, limit: number | null, took: number, endingBefore: boolean): void {
    const { o } = this;
    if (endingBefore) {
      // Once the end was requested nothing waits: every call answers at once.
      if (took > o.slackMs) throw new FuzzFailure('nothing waits after the end', `${name} took ${took.toFixed(1)} ms although the module was being ended`);
      return;
    }
    if (this.endAt !== null && o.control.endRequested) {
      const sinceEnd = o.now() - this.endAt;
      if (sinceEnd > 1) throw new FuzzFailure('an ended call returns promptly', `${name} returned ${sinceEnd.toFixed(1)} ms after the end request`);
      return;
    }
    if (limit !== null) {
      const overrun = took - limit;
      if (overrun > this.worstOverrun) {
        this.worstOverrun = overrun;
        this.worstOverrunCall = this.lastCallText;
      }
      if (overrun > o.slackMs) throw new FuzzFailure('no call waits past its timeout', `${name} took ${took.toFixed(1)} ms; its timeout was ${limit} ms`);
    }
  }

  /** What a successful call tells about the fd table. */
  private learn(name: string, args: readonly Arg[]): void {
    const { model } = this.o;
    const view = new DataView(this.o.memory.buffer);
    const outFd = (at: Arg): number | null => (u32(at) + 4 <= view.byteLength ? view.getUint32(u32(at), true) : null);
    const opened = (at: Arg, kind: 'conn' | 'epoll' | 'file' | 'socket') => {
      const fd = outFd(at);
      if (fd !== null) model.opened(fd, kind);
    };
    switch (name) {
      case 'sock_accept':
        return opened(args[2]!, 'conn');
      case 'epoll_create':
        return opened(args[0]!, 'epoll');
      case 'path_open':
        return opened(args[8]!, 'file');
      case 'sock_open':
        return opened(args[3]!, 'socket');
      case 'sock_accept_v2':
        return opened(args[2]!, 'conn');
      case 'sock_listen':
        return model.opened(u32(args[0]!), 'listener');
      case 'sock_connect':
        return model.opened(u32(args[0]!), 'conn');
      case 'fd_close':
        return model.closedFd(u32(args[0]!));
      case 'fd_renumber':
        return model.renumbered(u32(args[0]!), u32(args[1]!));
    }
  }

  private formatArg(spec: ImportSpec, i: number, a: Arg): string {
    const role = spec.params[i]!;
    if (typeof a === 'bigint') return String(a);
    switch (role.kind) {
      case 'fd':
        return this.o.model.describe(a);
      case 'len':
      case 'code':
      case 'enum':
        return String(a);
      default:
        return hex(a);
    }
  }
}

/** How long a call may take, ms; null: it may wait with no limit (or longer than the watchdog lets it). */
function limitOf(spec: ImportSpec, args: readonly Arg[], view: DataView, clock: FuzzClock): number | null {
  if (spec.waits === 'prompt') return 0;
  if (spec.waits === 'maybe') return null;
  const limit = spec.waits(args, view, clock);
  return limit === null || limit > WATCHDOG_MS ? null : limit;
}

/** The bytes that differ between `before` and `after` outside `allowed`: how many, and the first. */
export function changedOutside(before: Uint8Array, after: Uint8Array, allowed: readonly Range[]): { count: number; at: number; was: number; now: number } | null {
  const sorted = [...allowed].sort((a, b) => a[0] - b[0]);
  let found: { count: number; at: number; was: number; now: number } | null = null;
  let from = 0;
  const scan = (start: number, end: number) => {
    if (end <= start) return;
    if (Buffer.compare(before.subarray(start, end), after.subarray(start, end)) === 0) return;
    for (let i = start; i < end; i++) {
      if (before[i] === after[i]) continue;
      found ??= { count: 0, at: i, was: before[i]!, now: after[i]! };
      found.count++;
    }
  };
  for (const [start, end] of sorted) {
    scan(from, start);
    from = Math.max(from, end);
  }
  scan(from, before.length);
  return found;
}

/**
 * The session makes stdout and stderr empty files, so for those the size
 * counts too: a call that wrote into, resized or preallocated one shows.
 * (The trace pipe grows by design.)
 */
function identity(fd: number): string {
  return fdIdentity(fd, fd <= 2);
}

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'bigint') return `${value}n`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
