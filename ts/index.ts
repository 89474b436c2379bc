// wasi-evloop: run WASI preview1 socket programs on Node with real TCP sockets.
//
//   serve()  the echo core (select, poll or epoll, compiled to wasm) on a port
//   run()    any preview1 module, with listening sockets at fd 3, 4, …
//
// Both run the module in a worker thread (ts/runtime/launch.ts) over a
// transport (ts/transport/kinds.ts). This file holds the exports and the two
// entry points; everything else lives in files named for their job.

import { chooseRuntime, chooseTransport } from './facade/choose.js';
import type { Address } from './facade/errors.js';
import {
  BACKENDS,
  coreDidNotStart,
  echoCommand,
  RUN_LINGER_MS,
  runToEnd,
  SERVE_LINGER_MS,
  stopGrace,
  type Backend,
  type EchoOptions,
  type ListenerOptions,
  type StopOptions,
} from './facade/rules.js';
import { HeldOutput } from './facade/held-output.js';
import { coreModule, loadModule, moduleNameOf } from './facade/module-loader.js';
import { flag, toAddress, toArgs, toEnv, toPolicy, toPreopens } from './facade/options.js';
import { start } from './facade/start.js';
import { settle } from './facade/settle.js';
import type { Output } from './runtime/launch.js';
import { RUNTIMES, type Preopen, type RuntimeName } from './runtime/types.js';
import type { ConnectionStats } from './transport/control-block.js';
import { TRANSPORTS, type TransportName } from './transport/kinds.js';

// Everything in errors.ts (the error classes, Address, formatAddress) is public.
export * from './facade/errors.js';
export { parseAddress, parsePreopen } from './facade/options.js';
export type { Backend, ConnectionStats, ListenerOptions, Output, Preopen, RuntimeName, StopOptions, TransportName };
export { BACKENDS, RUNTIMES, TRANSPORTS };
export { DEFAULT_HOST, DEFAULT_PORT, MAX_STOP_GRACE_MS, STOP_GRACE_MS } from './facade/rules.js';

export interface ServeOptions extends EchoOptions, StopOptions {
  /** The WASI runtime; default: 'node' where it can work (under Node), else 'shim' (see README, "Where it runs"). */
  runtime?: RuntimeName;
  /** Where the sockets live; default: the fastest available here (see README, "Transports"). */
  transport?: TransportName;
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
   * prints its stats line and exits; after stopGraceMs it is ended.
   * Resolves when no worker, socket or server is left.
   */
  close(): Promise<void>;
}

export interface RunOptions extends StopOptions, ListenerOptions {
  /** Listening sockets, given to the module as fd 3, 4, … in this order: 'HOST:PORT' or an address. */
  tcplisten?: readonly (string | Address)[];
  /** Arguments after the program name. */
  args?: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** Directories to preopen, after the listeners: { guest: host }, or 'HOST[::GUEST]' strings, or a list. */
  preopens?: Readonly<Record<string, string>> | readonly (string | Preopen)[];
  /** The WASI runtime; default: 'node' where it can work, else 'shim'. */
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
   * Aborting stops the module as close() stops a server: its listeners hang
   * up (accept answers ECANCELED), and it has stopGraceMs to finish what it
   * has. A module that then exits resolves with its exit code; one that does
   * not is ended (ModuleStoppedError).
   */
  signal?: AbortSignal;
  /**
   * Where the sockets the module opens itself (WASIX sock_connect) may
   * connect: 'HOST:PORT' or 'HOST:*' (any port), HOST an IP address or
   * localhost. Nothing else: a connect outside these fails with EACCES.
   */
  allowConnect?: readonly string[];
  /** Where the module may bind and listen on sockets it opens itself, as allowConnect. Nothing else. */
  allowListen?: readonly string[];
  /** Log on stderr what the host refused or denied the module (once per address). */
  verbose?: boolean;
  /** Called once the module has ended, with the host's counts (`denied`: calls outside the network policy). */
  onStats?: (stats: ConnectionStats) => void;
}

/** Serves RFC 862 echo with the C core in wasm; resolves once it is listening and running. */
export async function serve(options: ServeOptions = {}): Promise<Server> {
  const { backend, host, port, args, moduleName } = echoCommand(options);
  const runtime = await chooseRuntime(options.runtime);
  const graceMs = stopGrace(options.stopGraceMs);
  const transport = await chooseTransport(options.transport);

  // Compiled while the worker boots (launch.ts).
  const module = coreModule(backend);
  const output = options.stderr ?? 'inherit';
  const stderr = new HeldOutput((bytes) => {
    if (output === 'inherit') process.stderr.write(bytes);
    else if (typeof output === 'function') output(bytes);
  });
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
    throw coreDidNotStart(moduleName, code, stderr.text());
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
      await launched.stop(graceMs);
    },
  };
}

/**
 * Runs a WASI preview1 command to the end and resolves with its exit code.
 * A trap rejects with ModuleTrapError; the host process is unharmed.
 */
export async function run(module: string | URL | Uint8Array | WebAssembly.Module, options: RunOptions = {}): Promise<number> {
  const runtime = await chooseRuntime(options.runtime);
  const listen = (options.tcplisten ?? []).map(toAddress);
  const preopens = toPreopens(options.preopens);
  const env = toEnv(options.env);
  const args = toArgs(options.args);
  const policy = toPolicy(options.allowConnect, options.allowListen);
  const graceMs = stopGrace(options.stopGraceMs);
  const blockingListeners = flag('blockingAccept', options.blockingAccept);
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
    blockingListeners,
    stdout: options.stdout ?? 'inherit',
    stderr: options.stderr ?? 'inherit',
    lingerMs: RUN_LINGER_MS,
    policy,
    log: options.verbose ? (line) => writeTo(options.stderr ?? 'inherit', `wasi-evloop: ${line}\n`) : undefined,
  });
  try {
    return await runToEnd(launched, moduleName, graceMs, options.signal, () =>
      options.onListening?.(launched.addresses.map((a) => ({ host: a.host, port: a.port }))),
    );
  } finally {
    options.onStats?.(launched.stats());
  }
}

/** A line for the user, where the module's stderr goes. */
function writeTo(output: Output, line: string): void {
  if (output === 'inherit') process.stderr.write(line);
  else if (typeof output === 'function') output(new TextEncoder().encode(line));
}
