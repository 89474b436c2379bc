// wasi-evloop in the browser (package export `wasi-evloop/browser`): the same
// facade as on Node, over a virtual network instead of TCP.
//
//   serve()  the echo core (select, poll or epoll, in wasm) in its own Web
//            Worker; connect() gives a client socket as Web Streams
//   run()    any preview1 module, its listeners on the virtual network
//
// The page must be cross-origin isolated (COOP same-origin, COEP
// require-corp on every response): the network lives in SharedArrayBuffers.

import { WasiEvloopError, type Address } from '../facade/errors.js';
import {
  coreDidNotStart,
  echoCommand,
  RUN_LINGER_MS,
  runToEnd,
  SERVE_LINGER_MS,
  stopGrace,
  withListenErrors,
  type Backend,
  type EchoOptions,
  type ListenerOptions,
  type StopOptions,
} from '../facade/rules.js';
import { flag, toAddress, toArgs, toEnv, toPolicy } from '../facade/options.js';
import { settle } from '../facade/settle.js';
import type { ConnectionStats } from '../transport/control-block.js';
import type { TransportLimits } from '../transport/types.js';
import { VirtualNetwork, type VirtualNetworkOptions, type VirtualSocket } from '../transport/virtual/owner.js';
import { HeldOutput } from '../facade/held-output.js';
import { launchInBrowser, type BrowserLaunched } from './launch.js';
import { compileModule, nameOf, type ModuleSource } from './module-source.js';

export * from '../facade/errors.js';
export { VirtualNetworkError, VirtualSocket, VirtualNetwork, VirtualServer, type VirtualErrorCode, type VirtualNetworkOptions } from '../transport/virtual/owner.js';

/**
 * A virtual network for several modules on this page: give it as `network` to
 * serve() and run(), and they reach each other's listeners (a module's own
 * sockets dial them, under its allowConnect), and the page's servers
 * (network.listen()). close() it when they have all ended.
 */
export function createNetwork(options: VirtualNetworkOptions = {}): VirtualNetwork {
  requireIsolation();
  return VirtualNetwork.create(options);
}
export type { Backend, ConnectionStats, ListenerOptions, ModuleSource, StopOptions, TransportLimits };
export { BACKENDS, DEFAULT_HOST, DEFAULT_PORT, MAX_STOP_GRACE_MS, STOP_GRACE_MS } from '../facade/rules.js';

/** The output callbacks get text, decoded as UTF-8 as it arrives. */
export type TextOutput = (text: string) => void;

/** host and port are the listener's address on the virtual network (what connect() names). */
export interface BrowserServeOptions extends EchoOptions, StopOptions {
  /** The core's stats line (at close) and --verbose logs. Default: console.log. */
  stderr?: TextOutput;
  /** Ring sizes per connection and the accept backlog of the virtual network. */
  limits?: TransportLimits;
  /** Connections the virtual network holds at once (default 16384, fewer with rings too large for that many in one shared buffer). */
  connections?: number;
  /** The echo module; default: wasm/echo-BACKEND.wasm of this package. */
  module?: ModuleSource;
  /** Where the bundle's worker.js is; default: beside this bundle. */
  workerUrl?: URL | string;
  /** The page's network to join (createNetwork()), so that modules on it can dial this server; default: one of its own. */
  network?: VirtualNetwork;
}

export interface BrowserServer {
  readonly address: Address;
  readonly backend: Backend;
  /** A new client connection; rejects with VirtualNetworkError (ECONNREFUSED) when refused. */
  connect(): Promise<VirtualSocket>;
  stats(): ConnectionStats;
  /** Settles when the module ends: its exit code, or rejected with the typed error. */
  readonly finished: Promise<number>;
  /** Graceful: the core closes every connection and exits; after stopGraceMs it is ended. */
  close(): Promise<void>;
}

export interface Listening {
  readonly addresses: readonly Address[];
  /** A client connection to one of the listeners (default: the first). */
  connect(address?: Address): Promise<VirtualSocket>;
}

export interface BrowserRunOptions extends StopOptions, ListenerOptions {
  /** Listening sockets at fd 3, 4, … on the virtual network: 'HOST:PORT' or an address. */
  listen?: readonly (string | Address)[];
  /** Arguments after the program name. */
  args?: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** argv[0] and the name in messages. */
  name?: string;
  stdout?: TextOutput;
  stderr?: TextOutput;
  /** Called once the listeners exist, before the module starts: the way to connect to them. */
  onListening?: (listening: Listening) => void;
  /** Aborting stops the module as close() stops a server. */
  signal?: AbortSignal;
  limits?: TransportLimits;
  workerUrl?: URL | string;
  /** The page's network to join (createNetwork()); default: one of its own. */
  network?: VirtualNetwork;
  /** Where the module's own sockets may connect on the network: 'HOST:PORT' or 'HOST:*'; nothing else. */
  allowConnect?: readonly string[];
  /** Where they may bind and listen, as allowConnect. Nothing else. */
  allowListen?: readonly string[];
  /** Log what was refused or denied (console.log, or `stderr`). */
  verbose?: boolean;
  /** Called once the module has ended, with the host's counts (`denied`: calls outside the network policy). */
  onStats?: (stats: ConnectionStats) => void;
}

function textSink(output: TextOutput | undefined, fallback: TextOutput | null): ((bytes: Uint8Array) => void) | undefined {
  const sink = output ?? fallback;
  if (sink === null) return undefined;
  const decoder = new TextDecoder();
  return (bytes) => sink(decoder.decode(bytes, { stream: true }));
}

/** Throws the reason this page cannot run modules, if there is one. */
function requireIsolation(): void {
  const why = browserUnavailable();
  if (why !== null) throw new WasiEvloopError(`wasi-evloop cannot run here: ${why}`);
}

export async function serve(options: BrowserServeOptions = {}): Promise<BrowserServer> {
  requireIsolation();
  const { backend, host, port, args, moduleName } = echoCommand(options);
  const graceMs = stopGrace(options.stopGraceMs);
  const module = await compileModule(options.module ?? new URL(`../../wasm/${moduleName}`, import.meta.url), moduleName);

  // Held until the core is known to run: if it ends first, its first line says why.
  const stderr = new HeldOutput(textSink(options.stderr, (text) => console.log(text.trimEnd())) ?? (() => {}));
  const listen = [{ host, port }];
  const launched = await withListenErrors(listen, () => launchInBrowser({
    module,
    moduleName,
    args,
    env: {},
    listen,
    limits: options.limits,
    connections: options.connections,
    network: options.network,
    stderr: stderr.sink,
    lingerMs: SERVE_LINGER_MS,
    log: options.verbose ? (line) => stderr.sink(new TextEncoder().encode(`wasi-evloop: ${line}\n`)) : undefined,
    workerUrl: options.workerUrl,
  }));
  const finished = launched.outcome.then((outcome) => settle(outcome, moduleName));
  finished.catch(() => {});
  if (!(await launched.ready)) {
    const code = await finished;
    throw coreDidNotStart(moduleName, code, stderr.text());
  }
  stderr.release();
  const address = launched.addresses[0]!;
  return {
    address: { host: address.host, port: address.port },
    backend,
    connect: () => launched.connect(),
    stats: () => launched.stats(),
    finished,
    async close() {
      await launched.stop(graceMs);
    },
  };
}

/** Runs a WASI preview1 command in a Web Worker to the end and resolves with its exit code. */
export async function run(module: ModuleSource, options: BrowserRunOptions = {}): Promise<number> {
  requireIsolation();
  const listen = (options.listen ?? []).map(toAddress);
  const env = toEnv(options.env);
  const args = toArgs(options.args);
  const policy = toPolicy(options.allowConnect, options.allowListen);
  const graceMs = stopGrace(options.stopGraceMs);
  const blockingListeners = flag('blockingAccept', options.blockingAccept);
  const moduleName = options.name ?? nameOf(module);
  const compiled = await compileModule(module, moduleName);
  const stderr = textSink(options.stderr, (text) => console.warn(text.trimEnd()));
  options.signal?.throwIfAborted();
  const launched: BrowserLaunched = await withListenErrors(listen, () => launchInBrowser({
    module: compiled,
    moduleName,
    args: [moduleName, ...args],
    env,
    listen,
    blockingListeners,
    limits: options.limits,
    network: options.network,
    policy,
    stdout: textSink(options.stdout, (text) => console.log(text.trimEnd())),
    stderr,
    lingerMs: RUN_LINGER_MS,
    log: options.verbose ? (line) => stderr?.(new TextEncoder().encode(`wasi-evloop: ${line}\n`)) : undefined,
    workerUrl: options.workerUrl,
  }));
  try {
    return await runToEnd(launched, moduleName, graceMs, options.signal, () =>
      options.onListening?.({ addresses: launched.addresses.map((a) => ({ ...a })), connect: (address) => launched.connect(address) }),
    );
  } finally {
    options.onStats?.(launched.stats());
  }
}

/** Why this page cannot run modules (and what to do), or null when it can. */
export function browserUnavailable(): string | null {
  if (globalThis.crossOriginIsolated === false || (typeof SharedArrayBuffer === 'undefined' && globalThis.crossOriginIsolated !== true)) {
    return 'the page is not cross-origin isolated: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp';
  }
  // WebKitGTK 2.50 isolates the page yet leaves its engine's SharedArrayBuffer
  // off: the constructor is reachable (a shared WebAssembly.Memory's buffer),
  // but no shared buffer can be posted to a worker, so there is no way around it.
  if (typeof SharedArrayBuffer === 'undefined') {
    return 'this browser keeps SharedArrayBuffer off although the page is cross-origin isolated (WebKitGTK does: start the browser with JSC_useSharedArrayBuffer=1 in its environment)';
  }
  if (typeof (Atomics as { waitAsync?: unknown }).waitAsync !== 'function') return 'this browser has no Atomics.waitAsync';
  return null;
}

