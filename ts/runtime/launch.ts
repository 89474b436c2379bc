// The starting thread's side of running one module: opens the transport's
// owner half (the listeners), starts worker.ts, relays output, stops the module
// when asked, and ends with every worker, socket and server gone.

import { Worker } from 'node:worker_threads';
import { ControlBlock, type ConnectionStats } from '../transport/control-block.js';
import { openOwner, type TransportName } from '../transport/kinds.js';
import type { ListenAddress, TransportLimits, TransportOwner } from '../transport/types.js';
import type { Preopen, RuntimeName, StdioMode, WorkerData, WorkerMessage } from './types.js';

/** Where the module's stdout/stderr go: the process's, nowhere, or a function (bytes in order). */
export type Output = 'inherit' | 'ignore' | ((bytes: Uint8Array) => void);

export interface LaunchOptions {
  /** The module, or its compilation under way: the worker starts booting meanwhile. */
  module: WebAssembly.Module | Promise<WebAssembly.Module>;
  moduleName: string;
  runtime: RuntimeName;
  transport: TransportName;
  /** argv, program name first. */
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  preopens: readonly Preopen[];
  listen: readonly ListenAddress[];
  stdout: Output;
  stderr: Output;
  limits?: TransportLimits;
  /** How long sockets the module left open may flush once it is gone. */
  lingerMs: number;
  /** Lines from the transport for the user (refused connections), when they asked for them. */
  log?: (line: string) => void;
  /** A bug on the host's side (an import answered EIO instead). Default: a process warning. */
  onInternalError?: (message: string) => void;
}

export type Outcome =
  | { type: 'exit'; code: number }
  | { type: 'trap'; message: string }
  | { type: 'start-error'; message: string }
  /** Asked to stop, it did not end by itself: the host ended it (at a call, or by terminating its thread). */
  | { type: 'stopped'; message: string }
  /** The worker itself failed (a host bug, or out of memory). */
  | { type: 'crash'; error: Error };

export interface Launched {
  readonly addresses: readonly ListenAddress[];
  /** True when the module first sleeps (it is serving); false if it ended before that. */
  readonly ready: Promise<boolean>;
  /** How the module ended; resolves once no worker, socket or server is left. */
  readonly outcome: Promise<Outcome>;
  stats(): ConnectionStats;
  /**
   * Asks the module to stop (listeners hang up, sleeping calls return); if it
   * has not ended after `graceMs`, its thread is terminated.
   */
  stop(graceMs: number): Promise<Outcome>;
}

/**
 * The module's thread allocates little per call (the data path none), so a
 * small young generation costs nothing in speed and keeps the garbage it does
 * make from growing the process: measured at 10k idle connections, 88 MB
 * resident with 4 MB against 101 MB with V8's default.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/** How long to wait for the module half's last flush when the worker did not say goodbye. */
const END_WAIT_MS = 500;

function stdioMode(output: Output): StdioMode {
  return typeof output === 'function' ? 'pipe' : output;
}

/**
 * Opens the listeners (Node errors propagate: EADDRINUSE, ...) and starts the
 * module. The worker is started first: booting a thread takes longer than
 * opening the listeners and compiling the module, which happen meanwhile; it
 * gets its WorkerData as its first message.
 */
export async function launch(options: LaunchOptions): Promise<Launched> {
  // Awaited below, unless the listeners fail first: then its failure is not the one to report.
  Promise.resolve(options.module).catch(() => {});
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
    config: {
      args: [...options.args],
      env: { ...options.env },
      preopens: options.preopens.map((p) => ({ ...p })),
      stdout: stdioMode(options.stdout),
      stderr: stdioMode(options.stderr),
    },
    transport: init,
    control: control.buffer,
  };
  worker.postMessage(data, transfer as never[]);

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
          ? { type: 'stopped', message: 'it did not end within the grace period and its thread was terminated' }
          : { type: 'crash', error: crash ?? new Error(`the module's worker exited (${code}) without reporting how the module ended`) });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([owner.ended, new Promise((r) => (timer = setTimeout(r, END_WAIT_MS)))]);
      clearTimeout(timer);
      await owner.close(options.lingerMs);
      resolve(result);
    });
  });

  return {
    addresses: owner.addresses,
    ready,
    outcome,
    stats: () => control.stats(),
    stop(graceMs) {
      control.requestStop();
      owner.wake();
      const timer = setTimeout(() => {
        terminated = true;
        // A thread asleep in the transport cannot be terminated: wake it first.
        owner.wake();
        void worker.terminate();
      }, graceMs);
      return outcome.finally(() => clearTimeout(timer));
    },
  };
}
