// What a WASI runtime adapter supplies (everything that is not a socket) and
// what the worker tells the thread that started it.

import type { RuntimeLayout, WasiFunctions } from '../host/index.js';
import type { NetworkPolicySpec } from '../host/network-policy.js';
import type { ModuleHalfInit } from '../transport/types.js';

export const RUNTIMES = ['node', 'shim'] as const;
/** 'node': node:wasi (uvwasi); 'shim': @bjorn3/browser_wasi_shim. */
export type RuntimeName = (typeof RUNTIMES)[number];

/** A preopened directory: `host` on disk appears to the module as `guest`. */
export interface Preopen {
  guest: string;
  host: string;
}

/**
 * Where the module's stdout or stderr goes. 'inherit': the process's own fd
 * (written synchronously from the worker); 'ignore': nowhere; 'pipe': posted
 * to the thread that started the worker.
 */
export type StdioMode = 'inherit' | 'ignore' | 'pipe';

export interface RuntimeConfig {
  /** argv, program name first. */
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  preopens: readonly Preopen[];
  /** Called for stdout (fd 1) and stderr (fd 2) bytes in 'pipe' mode. */
  stdout: StdioMode;
  stderr: StdioMode;
  onOutput: (fd: 1 | 2, bytes: Uint8Array) => void;
}

export interface WasiRuntime {
  /** The runtime's wasi_snapshot_preview1 functions, before the socket host wraps them. */
  readonly imports: WasiFunctions;
  /** Where the runtime put its preopened directories, for the host's fd table. */
  readonly layout: RuntimeLayout;
  /**
   * Runs `_start`. Returns the exit code: proc_exit's, 0 when _start returns.
   * A trap (or any other exception out of the module) is thrown.
   */
  start(instance: WebAssembly.Instance): number;
}

/** workerData of ts/runtime/worker.ts. */
export interface WorkerData {
  module: WebAssembly.Module;
  /** For messages: the module's file name, or what the caller called it. */
  moduleName: string;
  runtime: RuntimeName;
  config: Omit<RuntimeConfig, 'onOutput'>;
  /** The transport's module half, as its owner half described it. */
  transport: ModuleHalfInit;
  /** The ControlBlock's buffer: the stop request and the connection counters. */
  control: SharedArrayBuffer;
  /** Where the module may connect and listen with the sockets it opens. */
  policy: NetworkPolicySpec;
  /** The listeners start blocking (SocketHostOptions.blockingListeners). */
  blockingListeners: boolean;
}

/** Worker → starting thread. */
export type WorkerMessage =
  /** The module blocked for the first time: it is running its loop. */
  | { type: 'ready' }
  | { type: 'output'; fd: 1 | 2; bytes: Uint8Array }
  | { type: 'exit'; code: number }
  /** The module did not stop when asked and the host ended it (ModuleStopped). */
  | { type: 'stopped'; message: string }
  /** The module trapped (unreachable, out-of-bounds access, stack overflow, ...). */
  | { type: 'trap'; message: string }
  /** The module could not be started (link error: a missing import, no _start, ...). */
  | { type: 'start-error'; message: string }
  /** A bug on the host's side; the import that hit it answered EIO. */
  | { type: 'internal-error'; message: string }
  /** The network policy denied the module a connect or listen, the first time for this address ("connect to 10.0.0.1:80"). */
  | { type: 'denied'; what: string };
