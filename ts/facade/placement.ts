// Where a serve() or run() puts its module, and how the process's signals
// reach it. The public serve() and run() always use a worker thread: they must
// never block their caller's event loop. The CLI, whose process is the
// module's own, lets the module run on the starting thread when the transport
// allows it (ts/transport/kinds.ts, `startingThread`), and stops it on SIGINT
// and SIGTERM.

import type { Thread } from '../runtime/launch.js';
import { runsOnStartingThread, type TransportName } from '../transport/kinds.js';
import { ModuleStoppedError } from './errors.js';
import { GRACE_ENDED } from '../runtime/supervision.js';
import type { LaunchOptions } from '../runtime/launch.js';
import type { StopSignals } from '../runtime/stop-signals.js';

export interface Placement {
  /** 'worker', or 'auto': on the starting thread when the transport allows it, in a worker otherwise. */
  thread: 'worker' | 'auto';
  /** A worker is taken from, and given back to, the ones kept warm for the next module (a process that runs many). */
  warm?: boolean;
  /**
   * The process's SIGINT and SIGTERM stop the module, with the entry point's
   * grace (stopGraceMs); should the host have to end it, `graceLine` is what
   * the process prints (a module on the starting thread that makes no call is
   * ended with the process: the line, then 128 + the signal's number).
   * `signals` listens for them, from before the start.
   */
  stopOnSignals?: { graceLine(ended: ModuleStoppedError): string; signals: StopSignals };
}

/** What serve() and run() use. */
export const IN_A_WORKER: Placement = { thread: 'worker', warm: true };

/** The thread a module gets on `transport`. */
export function threadFor(placement: Placement, transport: TransportName): Thread {
  return placement.thread === 'auto' && runsOnStartingThread(transport) ? 'here' : 'worker';
}

/**
 * The launch options for `placement`, with the entry point's grace.
 * `onServing` is called once, when the module first sleeps (it is serving):
 * on the starting thread, while it runs.
 */
export function placed(
  placement: Placement,
  transport: TransportName,
  moduleName: string,
  graceMs: number,
  onServing?: () => void,
): Pick<LaunchOptions, 'thread' | 'warm' | 'stopOnSignals' | 'onServing'> {
  const signals = placement.stopOnSignals;
  return {
    thread: threadFor(placement, transport),
    warm: placement.warm,
    stopOnSignals: signals && {
      graceMs,
      graceLine: signals.graceLine(new ModuleStoppedError(moduleName, GRACE_ENDED)),
      signals: signals.signals,
    },
    onServing,
  };
}
