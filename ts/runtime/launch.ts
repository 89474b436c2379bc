// The starting thread's side of running one module: opens the listeners,
// starts worker.ts with the node:net transport, relays output, and ends with
// every worker, socket and server gone.

import { Worker } from 'node:worker_threads';
import { NodeNetMain, type ListenAddress, type TransportStats } from '../transport/node-net-main.js';
import type { NodeNetLimits } from '../transport/node-net-protocol.js';
import type { Preopen, RuntimeName, StdioMode, WorkerData, WorkerMessage } from './types.js';

/** Where the module's stdout/stderr go: the process's, nowhere, or a function (bytes in order). */
export type Output = 'inherit' | 'ignore' | ((bytes: Uint8Array) => void);

export interface LaunchOptions {
  module: WebAssembly.Module;
  moduleName: string;
  runtime: RuntimeName;
  /** argv, program name first. */
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  preopens: readonly Preopen[];
  listen: readonly ListenAddress[];
  stdout: Output;
  stderr: Output;
  limits?: Partial<NodeNetLimits>;
  /** How long sockets the module left open may flush once it is gone. */
  lingerMs: number;
  /** A bug on the host's side (an import answered EIO instead). Default: a process warning. */
  onInternalError?: (message: string) => void;
}

export type Outcome =
  | { type: 'exit'; code: number }
  | { type: 'trap'; message: string }
  | { type: 'start-error'; message: string }
  /** Stopped, and it did not exit within the grace period. */
  | { type: 'terminated' }
  /** The worker itself failed (a host bug, or out of memory). */
  | { type: 'crash'; error: Error };

export interface Launched {
  readonly addresses: readonly ListenAddress[];
  /** True when the module first blocks (it is serving); false if it ended before that. */
  readonly ready: Promise<boolean>;
  /** How the module ended; resolves once no worker, socket or server is left. */
  readonly outcome: Promise<Outcome>;
  stats(): TransportStats;
  /** Makes the listeners hang up and blocking calls return; terminates the worker after `graceMs`. */
  stop(graceMs: number): Promise<Outcome>;
}

/** How long main waits for the worker's last flush when the worker did not say goodbye. */
const END_WAIT_MS = 500;

function stdioMode(output: Output): StdioMode {
  return typeof output === 'function' ? 'pipe' : output;
}

/** Opens the listeners (Node errors propagate: EADDRINUSE, ...) and starts the module. */
export async function launch(options: LaunchOptions): Promise<Launched> {
  const transport = await NodeNetMain.listen(options.listen, options.limits);
  const { init, transferList } = transport.workerInit();
  const data: WorkerData = {
    module: options.module,
    moduleName: options.moduleName,
    runtime: options.runtime,
    config: {
      args: [...options.args],
      env: { ...options.env },
      preopens: options.preopens.map((p) => ({ ...p })),
      stdout: stdioMode(options.stdout),
      stderr: stdioMode(options.stderr),
    },
    transport: init,
  };
  let worker: Worker;
  try {
    worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: data, transferList });
  } catch (error) {
    await transport.close();
    throw error;
  }

  let resolveReady!: (running: boolean) => void;
  const ready = new Promise<boolean>((resolve) => (resolveReady = resolve));
  let reported: Outcome | null = null;
  let terminated = false;
  const onInternalError = options.onInternalError ?? ((message: string) => process.emitWarning(message, 'WasiEvloopHostError'));

  worker.on('message', (message: WorkerMessage) => {
    switch (message.type) {
      case 'ready':
        resolveReady(true);
        break;
      case 'output': {
        const sink = message.fd === 1 ? options.stdout : options.stderr;
        if (typeof sink === 'function') sink(message.bytes);
        break;
      }
      case 'internal-error':
        onInternalError(message.message);
        break;
      default:
        reported ??= message;
        resolveReady(false);
    }
  });
  let crash: Error | null = null;
  worker.on('error', (error) => (crash ??= error));

  const outcome = new Promise<Outcome>((resolve) => {
    worker.once('exit', async (code) => {
      resolveReady(false);
      const result: Outcome =
        reported ??
        (terminated
          ? { type: 'terminated' }
          : { type: 'crash', error: crash ?? new Error(`the module's worker exited (${code}) without reporting how the module ended`) });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([transport.ended, new Promise((r) => (timer = setTimeout(r, END_WAIT_MS)))]);
      clearTimeout(timer);
      await transport.close(options.lingerMs);
      resolve(result);
    });
  });

  return {
    addresses: transport.addresses,
    ready,
    outcome,
    stats: () => transport.stats(),
    stop(graceMs) {
      transport.stop();
      const timer = setTimeout(() => {
        terminated = true;
        void worker.terminate();
      }, graceMs);
      return outcome.finally(() => clearTimeout(timer));
    },
  };
}
