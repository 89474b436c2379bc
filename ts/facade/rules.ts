// What serve() and run() mean the same way on Node (ts/index.ts) and in a
// browser (ts/browser/index.ts): the defaults, how long a stop and a linger
// take, the echo core's command line built from serve()'s options (checked),
// what it means when the core ends before it runs, and how run() waits for
// its module's end. No Node imports.

import { AddressInUseError, ListenError, ModuleExitError, UsageError, WasiEvloopError, type Address } from './errors.js';
import { hostName, oneOf, wholeNumber } from './options.js';
import type { Outcome } from '../runtime/supervision.js';
import { settle } from './settle.js';
import { listenRefusal } from '../js-runtime.js';

export const BACKENDS = ['select', 'poll', 'epoll'] as const;
export type Backend = (typeof BACKENDS)[number];

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7007;

/** How long close() (or an aborted run) lets the module end by itself before ending it: stopGraceMs's default. */
export const STOP_GRACE_MS = 2000;
/** The longest grace a timer can hold (setTimeout's limit, 2^31 - 1 ms: about 24.8 days). */
export const MAX_STOP_GRACE_MS = 2 ** 31 - 1;
/** How long sockets a module left open may flush after it ended. */
export const SERVE_LINGER_MS = 1000;
export const RUN_LINGER_MS = 2000;

/** How a stop goes, for serve() and run() on either side. */
export interface StopOptions {
  /**
   * How long a stopped module may go on to finish what it has (its listeners
   * hang up at once) before the host ends it, in ms. Default STOP_GRACE_MS
   * (2000); 0 ends it at once.
   */
  stopGraceMs?: number;
}

/** How run() hands the listeners over, on either side. */
export interface ListenerOptions {
  /**
   * The listeners start blocking, for programs written for a blocking accept
   * (Rust std's `listener.incoming()`). Default false: they start NONBLOCK and
   * fd_fdstat_get says so, as wasmtime hands them over (Go's runtime polls a
   * listener only if it does).
   */
  blockingAccept?: boolean;
}

/** serve()'s options for the echo core itself, wherever it runs. */
export interface EchoOptions {
  backend?: Backend;
  /** Where the listener is (what clients connect to). */
  host?: string;
  /** 0 picks a free port (see the server's `address`). */
  port?: number;
  /** The core's --max-conns: connections beyond this many open ones are refused. */
  maxConns?: number;
  /** The core's --max-pending: a peer whose unsent output passes this many bytes is dropped. */
  maxPending?: number;
  /** The core's --stall-timeout: a paused peer whose output has not moved for this long is dropped. */
  stallTimeoutMs?: number;
  /** The core logs connections and bytes on stderr, and the host the connections it refused. */
  verbose?: boolean;
}

export interface EchoCommand {
  backend: Backend;
  host: string;
  port: number;
  /** argv, program name first. */
  args: string[];
  /** echo-BACKEND.wasm: the module's file and its name in messages. */
  moduleName: string;
}

/** stopGraceMs, checked (a UsageError), or its default. */
export function stopGrace(value: unknown): number {
  return value === undefined ? STOP_GRACE_MS : wholeNumber('stopGraceMs', value, 0, MAX_STOP_GRACE_MS);
}

/** The echo core's command for `options`; a UsageError says what is wrong with them. */
export function echoCommand(options: EchoOptions): EchoCommand {
  const backend = oneOf('backend', options.backend ?? 'epoll', BACKENDS);
  const host = hostName(options.host ?? DEFAULT_HOST);
  const port = wholeNumber('port', options.port ?? DEFAULT_PORT, 0, 65535);
  const args = [`echo-${backend}`];
  // The core checks the ranges (and exits with status 2, reported as UsageError).
  if (options.maxConns !== undefined) args.push('--max-conns', String(wholeNumber('maxConns', options.maxConns, 0, Number.MAX_SAFE_INTEGER)));
  if (options.maxPending !== undefined) args.push('--max-pending', String(wholeNumber('maxPending', options.maxPending, 0, Number.MAX_SAFE_INTEGER)));
  if (options.stallTimeoutMs !== undefined) {
    args.push('--stall-timeout', String(wholeNumber('stallTimeoutMs', options.stallTimeoutMs, 0, Number.MAX_SAFE_INTEGER)));
  }
  if (options.verbose) args.push('--verbose');
  return { backend, host, port, args, moduleName: `echo-${backend}.wasm` };
}

/**
 * The error for an echo core that exited with `code` before it ran: status 2
 * is its usage error, whose reason is the first line it wrote on stderr.
 */
export function coreDidNotStart(moduleName: string, code: number, stderr: string): Error {
  const detail = stderr.split('\n')[0]?.trim();
  if (code === 2) return new UsageError(detail || `${moduleName} rejected its arguments`);
  return new ModuleExitError(moduleName, code, detail);
}

/** A module started by run(), on either side. */
export interface RunningModule {
  readonly outcome: Promise<Outcome>;
  stop(graceMs: number): Promise<Outcome>;
}

/**
 * run()'s wait for the module: aborting `signal` stops it as close() stops a
 * server, with `graceMs` to end by itself; `onListening` is called first, and
 * if it throws the module is ended at once and the error rethrown. Resolves
 * with the exit code or rejects with the typed error (settle()).
 */
export async function runToEnd(
  running: RunningModule,
  moduleName: string,
  graceMs: number,
  signal: AbortSignal | undefined,
  onListening: () => void,
): Promise<number> {
  const onAbort = () => void running.stop(graceMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    onListening();
  } catch (error) {
    await running.stop(0);
    throw error;
  }
  try {
    return settle(await running.outcome, moduleName);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Opens a module's listeners with `open`; a failure of a system call on the way
 * (listen, bind, getaddrinfo; Node's errors, and the virtual network's, which
 * look like them) becomes a ListenError naming the address. An address Deno's
 * sandbox does not let this process listen on is refused first, on every
 * transport (the kernel one's addon could otherwise listen past the sandbox).
 */
export async function withListenErrors<T>(addresses: readonly Address[], open: () => Promise<T>): Promise<T> {
  for (const address of addresses) {
    const refused = listenRefusal(address.host, address.port);
    if (refused !== null) throw new ListenError(address, 'EACCES', { reason: refused });
  }
  try {
    return await open();
  } catch (error) {
    if (typeof (error as { syscall?: unknown })?.syscall === 'string') throw listenError(error, addresses);
    throw error;
  }
}

function listenError(error: unknown, addresses: readonly Address[]): WasiEvloopError {
  const e = error as { code?: string; address?: string; port?: number };
  const address =
    addresses.find((a) => a.host === e.address && a.port === e.port) ??
    (e.address !== undefined && e.port !== undefined ? { host: e.address, port: e.port } : addresses[0]!);
  if (e.code === 'EADDRINUSE') return new AddressInUseError(address, { cause: error });
  return new ListenError(address, e.code, { cause: error });
}
