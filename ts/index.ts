// wasi-evloop: run WASI preview1 socket programs on Node with real TCP sockets.
//
//   serve()  the echo core (select, poll or epoll, compiled to wasm) on a port
//   run()    any preview1 module, with listening sockets at fd 3, 4, …
//
// Both run the module in a worker thread (ts/runtime/launch.ts) over a
// transport (ts/transport/kinds.ts). This file holds the exports and the two
// entry points; everything else lives in files named for their job.

import { chooseTransport } from './choose-transport.js';
import { ModuleExitError, UsageError, type Address } from './errors.js';
import { HeldOutput } from './held-output.js';
import { BACKENDS, coreModule, loadModule, moduleNameOf, type Backend } from './module-loader.js';
import { hostName, oneOf, toAddress, toEnv, toPreopens, wholeNumber } from './options.js';
import { settle, start } from './outcomes.js';
import type { Output } from './runtime/launch.js';
import { RUNTIMES, type Preopen, type RuntimeName } from './runtime/types.js';
import type { ConnectionStats } from './transport/control-block.js';
import { TRANSPORTS, type TransportName } from './transport/kinds.js';

// Everything in errors.ts (the error classes, Address, formatAddress) is public.
export * from './errors.js';
export { parseAddress, parsePreopen } from './options.js';
export type { Backend, ConnectionStats, Output, Preopen, RuntimeName, TransportName };
export { BACKENDS, RUNTIMES, TRANSPORTS };

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7007;

/** How long close() (or an aborted run) lets the module end by itself before terminating its worker. */
export const STOP_GRACE_MS = 2000;
/** How long sockets a module left open may flush after it ended. */
const SERVE_LINGER_MS = 1000;
const RUN_LINGER_MS = 2000;

export interface ServeOptions {
  backend?: Backend;
  runtime?: RuntimeName;
  /** Where the sockets live; default: the fastest available here (see README, "Transports"). */
  transport?: TransportName;
  host?: string;
  /** 0 picks a free port (see `address`). */
  port?: number;
  /** The core's --max-conns: connections beyond this many open ones are refused. */
  maxConns?: number;
  /** The core's --max-pending: a peer whose unsent output passes this many bytes is dropped. */
  maxPending?: number;
  /** The core's --stall-timeout: a paused peer whose output has not moved for this long is dropped. */
  stallTimeoutMs?: number;
  /** The core logs connections and bytes on stderr, and the host the connections it refused. */
  verbose?: boolean;
  /** Default 'ignore'; the core writes nothing there. */
  stdout?: Output;
  /** Default 'inherit': the core's stats line (at close) and --verbose logs. */
  stderr?: Output;
}

export interface Server {
  readonly address: Address;
  readonly backend: Backend;
  readonly runtime: RuntimeName;
  readonly transport: TransportName;
  /** Counted by the host as the module works; the core prints its own at exit. */
  stats(): ConnectionStats;
  /**
   * Settles when the module ends: with its exit code, or rejected (with
   * ModuleTrapError, ...) if it failed. It ends by itself only if something
   * went wrong; close() ends it normally.
   */
  readonly finished: Promise<number>;
  /**
   * Graceful: the listeners hang up, the core closes every connection,
   * prints its stats line and exits; after STOP_GRACE_MS its worker is
   * terminated. Resolves when no worker, socket or server is left.
   */
  close(): Promise<void>;
}

export interface RunOptions {
  /** Listening sockets, given to the module as fd 3, 4, … in this order: 'HOST:PORT' or an address. */
  tcplisten?: readonly (string | Address)[];
  /** Arguments after the program name. */
  args?: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** Directories to preopen, after the listeners: { guest: host }, or 'HOST[::GUEST]' strings, or a list. */
  preopens?: Readonly<Record<string, string>> | readonly (string | Preopen)[];
  runtime?: RuntimeName;
  /** Where the sockets live; default: the fastest available here. */
  transport?: TransportName;
  /** argv[0] and the name in messages. Default: the file name, or 'module'. */
  name?: string;
  stdout?: Output;
  stderr?: Output;
  /** Called with the bound addresses (port 0 resolved) before the module starts. */
  onListening?: (addresses: readonly Address[]) => void;
  /**
   * Aborting stops the module as close() stops a server: listeners hang up
   * and waiting calls return ECANCELED. A module that then exits resolves
   * with its exit code; one that does not is ended (ModuleStoppedError).
   */
  signal?: AbortSignal;
}

/** Serves RFC 862 echo with the C core in wasm; resolves once it is listening and running. */
export async function serve(options: ServeOptions = {}): Promise<Server> {
  const backend = oneOf('backend', options.backend ?? 'epoll', BACKENDS);
  const runtime = oneOf('runtime', options.runtime ?? 'node', RUNTIMES);
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
  const transport = await chooseTransport(options.transport);

  const moduleName = `echo-${backend}.wasm`;
  // Compiled while the worker boots (launch.ts).
  const module = coreModule(backend);
  const stderr = new HeldOutput(options.stderr ?? 'inherit', process.stderr);
  const launched = await start({
    module,
    moduleName,
    runtime,
    transport,
    args,
    env: {},
    preopens: [],
    listen: [{ host, port }],
    stdout: options.stdout ?? 'ignore',
    stderr: stderr.sink,
    lingerMs: SERVE_LINGER_MS,
    log: options.verbose ? (line) => stderr.sink(new TextEncoder().encode(`wasi-evloop: ${line}\n`)) : undefined,
  });
  const finished = launched.outcome.then((outcome) => settle(outcome, moduleName));
  finished.catch(() => {}); // observed through `finished` or close(); never an unhandled rejection

  if (!(await launched.ready)) {
    const code = await finished; // a trap or a start error throws here
    const detail = stderr.text().split('\n')[0]?.trim();
    if (code === 2) throw new UsageError(detail || `${moduleName} rejected its arguments`);
    throw new ModuleExitError(moduleName, code, detail);
  }

  stderr.release();
  const address = launched.addresses[0]!;
  return {
    address: { host: address.host, port: address.port },
    backend,
    runtime,
    transport,
    stats: () => launched.stats(),
    finished,
    async close() {
      await launched.stop(STOP_GRACE_MS);
    },
  };
}

/**
 * Runs a WASI preview1 command to the end and resolves with its exit code.
 * A trap rejects with ModuleTrapError; the host process is unharmed.
 */
export async function run(module: string | URL | Uint8Array | WebAssembly.Module, options: RunOptions = {}): Promise<number> {
  const runtime = oneOf('runtime', options.runtime ?? 'node', RUNTIMES);
  const listen = (options.tcplisten ?? []).map(toAddress);
  const preopens = toPreopens(options.preopens);
  const env = toEnv(options.env);
  const args = [...(options.args ?? [])];
  if (args.some((a) => typeof a !== 'string')) throw new UsageError('args must be strings');
  const transport = await chooseTransport(options.transport);
  const moduleName = options.name ?? moduleNameOf(module);
  options.signal?.throwIfAborted();
  // Compiled while the worker boots (launch.ts).
  const compiled = module instanceof WebAssembly.Module ? module : loadModule(module, moduleName);

  const launched = await start({
    module: compiled,
    moduleName,
    runtime,
    transport,
    args: [moduleName, ...args],
    env,
    preopens,
    listen,
    stdout: options.stdout ?? 'inherit',
    stderr: options.stderr ?? 'inherit',
    lingerMs: RUN_LINGER_MS,
  });
  const onAbort = () => void launched.stop(STOP_GRACE_MS);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    options.onListening?.(launched.addresses.map((a) => ({ host: a.host, port: a.port })));
  } catch (error) {
    await launched.stop(0);
    throw error;
  }
  try {
    return settle(await launched.outcome, moduleName);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
