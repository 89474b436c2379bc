// wasi-evloop: run WASI preview1 socket programs on Node with real TCP sockets.
//
//   serve()  the echo core (select, poll or epoll, compiled to wasm) on a port
//   run()    any preview1 module, with listening sockets at fd 3, 4, …
//
// Both run the module in a worker thread; see ts/runtime/launch.ts.

import {
  AddressInUseError,
  ListenError,
  ModuleExitError,
  ModuleLoadError,
  ModuleTrapError,
  UsageError,
  WasiEvloopError,
  type Address,
} from './errors.js';
import { coreModule, loadModule, moduleNameOf } from './module-loader.js';
import { launch, type Launched, type Outcome, type Output } from './runtime/launch.js';
import type { TransportStats } from './transport/node-net-main.js';
import { RUNTIMES, type Preopen, type RuntimeName } from './runtime/types.js';

// Everything in errors.ts (the error classes, Address, formatAddress) is public.
export * from './errors.js';
export type { Output, Preopen, RuntimeName };

export const BACKENDS = ['select', 'poll', 'epoll'] as const;
export type Backend = (typeof BACKENDS)[number];
export { RUNTIMES };

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
  host?: string;
  /** 0 picks a free port (see `address`). */
  port?: number;
  /** The core's --max-conns: connections beyond this many open ones are refused. */
  maxConns?: number;
  /** The core's --max-pending: a peer whose unsent output passes this many bytes is dropped. */
  maxPending?: number;
  /** The core's --stall-timeout: a paused peer whose output has not moved for this long is dropped. */
  stallTimeoutMs?: number;
  /** The core logs connections and bytes on stderr. */
  verbose?: boolean;
  /** Default 'ignore'; the core writes nothing there. */
  stdout?: Output;
  /** Default 'inherit': the core's stats line (at close) and --verbose logs. */
  stderr?: Output;
}

/** Counted by the host's side of the sockets (the core prints its own at exit). */
export type ServerStats = TransportStats;

export interface Server {
  readonly address: Address;
  readonly backend: Backend;
  readonly runtime: RuntimeName;
  stats(): ServerStats;
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
  /** argv[0] and the name in messages. Default: the file name, or 'module'. */
  name?: string;
  stdout?: Output;
  stderr?: Output;
  /** Called with the bound addresses (port 0 resolved) before the module starts. */
  onListening?: (addresses: readonly Address[]) => void;
  /** Aborting stops the module as close() stops a server (listeners hang up; terminated after STOP_GRACE_MS). */
  signal?: AbortSignal;
}

// ---- validation --------------------------------------------------------------

function oneOf<T extends string>(what: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${what} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}

function wholeNumber(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${what} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function hostName(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || /\s/.test(value)) {
    throw new UsageError(`host must be a host name or IP address, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** 'HOST:PORT' or '[IPv6]:PORT' → an address; UsageError otherwise. */
export function parseAddress(text: string): Address {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new UsageError(`expected HOST:PORT with a port from 0 to 65535 (e.g. 127.0.0.1:8080), got ${JSON.stringify(text)}`);
  }
  return { host: match[1] ?? match[2]!, port };
}

/** 'HOST[::GUEST]' (wasmtime's --dir) → a preopen; the guest path defaults to the host path. */
export function parsePreopen(text: string): Preopen {
  const at = text.indexOf('::');
  const host = at < 0 ? text : text.slice(0, at);
  const guest = at < 0 ? text : text.slice(at + 2);
  if (host === '' || guest === '') throw new UsageError(`expected HOST[::GUEST] for a directory, got ${JSON.stringify(text)}`);
  return { host, guest };
}

function toAddress(value: string | Address): Address {
  if (typeof value === 'string') return parseAddress(value);
  return { host: hostName(value?.host), port: wholeNumber('port', value?.port, 0, 65535) };
}

function toPreopens(value: RunOptions['preopens']): Preopen[] {
  if (value === undefined) return [];
  const list: Preopen[] = Array.isArray(value)
    ? value.map((p: string | Preopen) => (typeof p === 'string' ? parsePreopen(p) : { guest: p.guest, host: p.host }))
    : Object.entries(value as Record<string, string>).map(([guest, host]) => ({ guest, host }));
  const seen = new Set<string>();
  for (const { guest, host } of list) {
    if (typeof guest !== 'string' || typeof host !== 'string' || !guest || !host) {
      throw new UsageError('preopens: every directory needs a host path and a guest path');
    }
    if (seen.has(guest)) throw new UsageError(`preopens: guest path ${guest} is given twice`);
    seen.add(guest);
  }
  return list;
}

function toEnv(value: RunOptions['env']): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, v] of Object.entries(value ?? {})) {
    if (key === '' || key.includes('=') || typeof v !== 'string') {
      throw new UsageError(`env: ${JSON.stringify(key)} must be a name without '=' with a string value`);
    }
    env[key] = v;
  }
  return env;
}

// ---- outcomes ----------------------------------------------------------------

function listenError(error: unknown, addresses: readonly Address[]): WasiEvloopError {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  const address =
    addresses.find((a) => a.host === e.address && a.port === e.port) ??
    (e.address !== undefined && e.port !== undefined ? { host: e.address, port: e.port } : addresses[0]!);
  if (e.code === 'EADDRINUSE') return new AddressInUseError(address, { cause: error });
  return new ListenError(address, e.code, { cause: error });
}

async function start(options: Parameters<typeof launch>[0]): Promise<Launched> {
  try {
    return await launch(options);
  } catch (error) {
    // A system call failed while opening the listeners (listen, bind, getaddrinfo, ...).
    if (typeof (error as NodeJS.ErrnoException).syscall === 'string') throw listenError(error, options.listen);
    throw error;
  }
}

/** The exit code, or the error that says why there is none. */
function settle(outcome: Outcome, moduleName: string): number {
  switch (outcome.type) {
    case 'exit':
      return outcome.code;
    case 'trap':
      throw new ModuleTrapError(moduleName, outcome.message);
    case 'start-error':
      throw new ModuleLoadError(moduleName, outcome.message);
    case 'terminated':
      throw new WasiEvloopError(`${moduleName} did not stop within ${STOP_GRACE_MS} ms and was terminated`);
    case 'crash':
      throw new WasiEvloopError(`the worker running ${moduleName} failed: ${outcome.error.message}`, { cause: outcome.error });
  }
}

/**
 * Holds what a server writes until it is known to be running: passed on
 * then, or, if it ended first, kept to explain why (the core's usage line)
 * and not printed twice.
 */
class HeldOutput {
  private held: Uint8Array[] | null = [];
  private heldBytes = 0;

  constructor(
    private readonly output: Output,
    private readonly stream: NodeJS.WritableStream,
    private readonly limit = 64 * 1024,
  ) {}

  readonly sink = (bytes: Uint8Array): void => {
    if (this.held !== null && this.heldBytes + bytes.byteLength <= this.limit) {
      this.held.push(bytes);
      this.heldBytes += bytes.byteLength;
    } else {
      this.release();
      this.pass(bytes);
    }
  };

  /** What was held, as text. */
  text(): string {
    return Buffer.concat(this.held ?? []).toString('utf8');
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const bytes of held) this.pass(bytes);
  }

  private pass(bytes: Uint8Array): void {
    if (this.output === 'inherit') this.stream.write(bytes);
    else if (typeof this.output === 'function') this.output(bytes);
  }
}

// ---- the facade --------------------------------------------------------------

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

  const moduleName = `echo-${backend}.wasm`;
  const module = await coreModule(backend);
  const stderr = new HeldOutput(options.stderr ?? 'inherit', process.stderr);
  const launched = await start({
    module,
    moduleName,
    runtime,
    args,
    env: {},
    preopens: [],
    listen: [{ host, port }],
    stdout: options.stdout ?? 'ignore',
    stderr: stderr.sink,
    lingerMs: SERVE_LINGER_MS,
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
  const moduleName = options.name ?? moduleNameOf(module);
  const compiled = module instanceof WebAssembly.Module ? module : await loadModule(module, moduleName);
  options.signal?.throwIfAborted();

  const launched = await start({
    module: compiled,
    moduleName,
    runtime,
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
