// A module in a worker thread of its own (worker.ts): the starting thread
// opens the transport's owner half (the listeners), relays output, stops the
// module when asked, and ends with the worker, sockets and servers gone.

import { constants } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ControlBlock } from '../transport/control-block.js';
import { openOwner } from '../transport/kinds.js';
import type { TransportOwner } from '../transport/types.js';
import { internalErrorTo, outputTo, runtimeConfig, type Launched, type LaunchOptions } from './launch.js';
import { Supervision } from './supervision.js';
import type { WorkerData, WorkerMessage } from './types.js';

/**
 * The module's thread allocates little per call (the data path none), so a
 * small young generation costs nothing in speed and keeps the garbage it does
 * make from growing the process: measured at 10k idle connections, 88 MB
 * resident with 4 MB against 101 MB with V8's default.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/**
 * The worker is started first: booting a thread takes longer than opening the
 * listeners and compiling the module, which happen meanwhile; it gets its
 * WorkerData as its first message.
 */
export async function launchWorker(options: LaunchOptions): Promise<Launched> {
  const worker = new Worker(new URL('./worker.js', import.meta.url), {
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
  const control = new ControlBlock();
  let owner: TransportOwner;
  try {
    owner = await openOwner(options.transport, { listen: options.listen, control, limits: options.limits, log: options.log });
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  let module: WebAssembly.Module;
  try {
    module = await options.module;
  } catch (error) {
    await Promise.all([worker.terminate(), owner.close(0)]);
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
  };
  worker.postMessage(data, transfer as never[]);

  const supervision = new Supervision({
    owner,
    control,
    lingerMs: options.lingerMs,
    terminate: () => void worker.terminate(),
    onOutput: outputTo(options),
    onInternalError: internalErrorTo(options),
    onServing: options.onServing,
  });
  worker.on('message', (message: WorkerMessage) => supervision.message(message));
  let crash: Error | null = null;
  worker.on('error', (error) => (crash ??= error));
  worker.once('exit', (code) =>
    supervision.gone(crash ?? new Error(`the module's worker exited (${code}) without reporting how the module ended`)),
  );
  if (options.stopOnSignals) stopOnSignals(supervision, options.stopOnSignals);

  return {
    addresses: owner.addresses,
    ready: supervision.ready,
    outcome: supervision.outcome,
    stats: () => control.stats(),
    stop: (graceMs) => supervision.stop(graceMs),
  };
}

/**
 * The process's SIGINT and SIGTERM stop the module, each listened for once, so
 * that a second one does what it does by default (ends the process), until
 * the module has ended.
 */
function stopOnSignals(supervision: Supervision, how: NonNullable<LaunchOptions['stopOnSignals']>): void {
  let first = true;
  const listeners = (['SIGINT', 'SIGTERM'] as const).map((name) => {
    const listener = () => {
      if (first) how.onSignal(constants.signals[name]);
      first = false;
      void supervision.stop(how.graceMs);
    };
    process.once(name, listener);
    return [name, listener] as const;
  });
  void supervision.outcome.finally(() => {
    for (const [name, listener] of listeners) process.off(name, listener);
  });
}
