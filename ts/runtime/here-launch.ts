// A module on the starting thread itself, for a process that is the module's
// own (the CLI) on a transport whose module half makes only synchronous calls
// (kinds.ts, `startingThread`): no worker thread to boot and no second module
// graph to load. The module blocks this thread until it ends: nothing else
// runs meanwhile (no timer, no listener, no promise), so everything the
// module's run needs is set up before it starts, and what happens while it
// runs is reported synchronously (onServing, output). Stops come from the
// process's signals, through native code (the owner half's stopOnSignals).

import { ControlBlock } from '../transport/control-block.js';
import { openModuleHalf, openOwner } from '../transport/kinds.js';
import { countingImports } from './counting-imports.js';
import { deniedTo, internalErrorTo, oneInstanceStats, outputTo, runtimeConfig, type Launched, type LaunchOptions } from './launch.js';
import { openRuntime } from './open-runtime.js';
import { prepareModule, type Ending, type PreparedModule } from './run-module.js';
import { Supervision, type Outcome } from './supervision.js';

export async function launchHere(options: LaunchOptions): Promise<Launched> {
  const control = new ControlBlock();
  const owner = await openOwner(options.transport, { listen: options.listen, control, limits: options.limits, log: options.log });
  const supervision = new Supervision({
    owner,
    control,
    lingerMs: options.lingerMs,
    // Never called: stop() below has no grace timer to end a thread with.
    terminate: () => {},
    onOutput: outputTo(options),
    onInternalError: internalErrorTo(options),
    onServing: options.onServing,
    onDenied: deniedTo(options),
  });
  let prepared: PreparedModule | Ending;
  try {
    if (options.stopOnSignals && owner.stopOnSignals === undefined) {
      throw new Error(`the ${options.transport} transport cannot stop a module on the starting thread`);
    }
    const module = await options.module;
    const { init } = owner.moduleInit();
    prepared = await prepareModule({
      module,
      control: control.buffer,
      blockingListeners: options.blockingListeners ?? false,
      policy: options.policy,
      report: (message) => supervision.message(message),
      openTransport: (c) => openModuleHalf(init, c),
      openRuntime: () => openRuntime(options.runtime, { ...runtimeConfig(options), onOutput: outputTo(options) }),
      wrapImports: countingImports,
    });
  } catch (error) {
    await owner.close(0);
    throw error;
  }

  // From now on, before the caller announces the listeners: a signal that
  // comes before the module starts stops it as well.
  const signals = options.stopOnSignals;
  let undo: (() => number | null) | null = null;
  try {
    undo = signals ? owner.stopOnSignals!(signals.graceMs, signals.graceLine) : null;
  } catch (error) {
    // Not armed (the addon's handler is taken, or its watchdog could not start): nothing runs.
    if (!('type' in prepared)) prepared.discard();
    await owner.close(0);
    throw error;
  }
  // One that came before the arming (JavaScript's listener took it): again, for native code to take.
  if (signals?.signals.first != null) process.kill(process.pid, signals.signals.first);
  // On the next turn of the event loop, not now: the caller still has its
  // listening addresses to announce (run()'s onListening) before this thread
  // is the module's.
  let state: 'waiting' | 'running' = 'waiting';
  let stoppedByCaller = false;
  setImmediate(() => {
    state = 'running';
    let failure: Error | undefined;
    try {
      supervision.message(
        runHere(prepared, stoppedByCaller, () => {
          // At once, before anything is closed: the watchdog must not end a module that has already ended.
          const signo = undo?.() ?? null;
          if (signo !== null) signals!.signals.tookNatively(signo);
        }),
      );
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
    supervision.gone(failure);
  });

  return {
    addresses: owner.addresses,
    ready: supervision.ready,
    outcome: supervision.outcome,
    stats: () => oneInstanceStats(control.stats()),
    stop(): Promise<Outcome> {
      // Before the run this keeps it from starting (nothing could end it
      // after a grace period); during it (only from a callback of the run
      // itself) the module sees it at its next call.
      stoppedByCaller ||= state === 'waiting';
      control.requestStop();
      owner.wake();
      return supervision.outcome;
    },
  };
}

/**
 * Runs the module to its end; `ended` is called as soon as it has (or it
 * never will). A stop by signal before the start does not keep it from
 * running: it sees the stop at its first wait and may end with its own status.
 */
function runHere(prepared: PreparedModule | Ending, stoppedByCaller: boolean, ended: () => void): Ending {
  if (!('type' in prepared) && !stoppedByCaller) return prepared.run(ended);
  ended();
  if ('type' in prepared) return prepared;
  prepared.discard();
  return { type: 'stopped', message: 'it was stopped before it started' };
}
