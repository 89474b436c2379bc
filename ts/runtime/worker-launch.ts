// A module in a worker thread of its own (worker.ts): the starting thread
// opens the transport's owner half (the listeners), relays output, stops the
// module when asked, and ends with the sockets and servers gone and the worker
// terminated or, when it may run another module, kept (worker-pool.ts).

import type { Worker } from 'node:worker_threads';
import { ControlBlock } from '../transport/control-block.js';
import { openOwner } from '../transport/kinds.js';
import type { TransportOwner } from '../transport/types.js';
import { DENY_ALL } from '../host/network-policy.js';
import { deniedTo, internalErrorTo, oneInstanceStats, outputTo, runtimeConfig, type Launched, type LaunchOptions } from './launch.js';
import { Supervision } from './supervision.js';
import { keepWorker, takeWorker } from './worker-pool.js';
import type { WorkerData, WorkerMessage } from './types.js';

/**
 * Endings after which the worker is as it was before the module: the module
 * returned, exited or trapped (an exception out of _start; the host's state is
 * per module), or never started. Not a module ended by the host in the middle
 * of a call (ModuleStopped), nor one that hit a host bug.
 */
const REUSABLE = new Set<WorkerMessage['type']>(['exit', 'trap', 'start-error']);

/**
 * The worker is taken first (worker-pool.ts): a new one boots while the
 * listeners open and the module compiles; it gets its WorkerData as a message.
 */
export async function launchWorker(options: LaunchOptions): Promise<Launched> {
  const worker = takeWorker(options.warm ?? false);
  const control = new ControlBlock();
  let owner: TransportOwner;
  try {
    owner = await openOwner(options.transport, { listen: options.listen, control, limits: options.limits, log: options.log, instance: options.instance });
  } catch (error) {
    await setAside(worker, options);
    throw error;
  }
  let module: WebAssembly.Module;
  try {
    module = await options.module;
  } catch (error) {
    await Promise.all([setAside(worker, options), owner.close(0)]);
    throw error;
  }
  const { init, transfer } = owner.moduleInit();
  const data: WorkerData = {
    module,
    moduleName: options.moduleName,
    runtime: options.runtime,
    config: runtimeConfig(options),
    transport: init,
    control: control.buffer,
    policy: options.policy ?? DENY_ALL,
    blockingListeners: options.blockingListeners ?? false,
  };
  worker.postMessage(data, transfer as never[]);

  const onInternalError = internalErrorTo(options);
  let sound = true;
  let released = false;
  const supervision = new Supervision({
    owner,
    control,
    lingerMs: options.lingerMs,
    // Once released, the worker is no longer this module's (it may run the next one).
    terminate: () => void (released || worker.terminate()),
    onOutput: outputTo(options),
    onInternalError(message) {
      sound = false;
      onInternalError(message);
    },
    onServing: options.onServing,
    onDenied: deniedTo(options),
  });
  let crash: Error | null = null;
  const onMessage = (message: WorkerMessage) => {
    if (!supervision.message(message)) return;
    // Its last message: the module has ended and everything it opened is closed.
    released = true;
    worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    if (options.warm && sound && REUSABLE.has(message.type)) keepWorker(worker);
    else void worker.terminate();
    supervision.gone();
  };
  const onError = (error: Error) => (crash ??= error);
  const onExit = (code: number) =>
    supervision.gone(crash ?? new Error(`the module's worker exited (${code}) without reporting how the module ended`));
  worker.on('message', onMessage).on('error', onError).once('exit', onExit);
  const signals = options.stopOnSignals;
  if (signals) signals.signals.stopUntil(supervision.outcome, () => void supervision.stop(signals.graceMs));

  return {
    addresses: owner.addresses,
    ready: supervision.ready,
    outcome: supervision.outcome,
    stats: () => oneInstanceStats(control.stats()),
    stop: (graceMs) => supervision.stop(graceMs),
  };
}

/** A worker that was given no module (the start failed before): kept for the next one, or ended. */
async function setAside(worker: Worker, options: LaunchOptions): Promise<void> {
  if (options.warm) keepWorker(worker);
  else await worker.terminate();
}
