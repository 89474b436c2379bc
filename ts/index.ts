// wasi-evloop: run WASI preview1 socket programs on Node with real TCP sockets.
//
//   serve()  the echo core (select, poll or epoll, compiled to wasm) on a port
//   run()    any preview1 module, with listening sockets at fd 3, 4, …
//
// Both run the module in a worker thread (ts/runtime/launch.ts), so the
// caller's event loop never blocks, over a transport (ts/transport/kinds.ts).
// This file holds the exports and the two entry points; everything else lives
// in files named for their job (ts/facade/).

import { IN_A_WORKER } from './facade/placement.js';
import { BACKENDS, type Backend, type ListenerOptions, type StopOptions } from './facade/rules.js';
import { runWith, type RunOptions } from './facade/run.js';
import { serveWith, type ServeOptions, type Server, type ServerStats } from './facade/serve.js';
import type { InstanceOptions } from './facade/instances.js';
import type { InstanceStats, Output } from './runtime/launch.js';
import { RUNTIMES, type Preopen, type RuntimeName } from './runtime/types.js';
import type { ConnectionStats } from './transport/control-block.js';
import { TRANSPORTS, type TransportName } from './transport/kinds.js';

// Everything in errors.ts (the error classes, Address, formatAddress) is public.
export * from './facade/errors.js';
export { parseAddress, parsePreopen } from './facade/options.js';
export type { Backend, ConnectionStats, InstanceOptions, InstanceStats, ListenerOptions, Output, Preopen, RunOptions, RuntimeName, ServeOptions, Server, ServerStats, StopOptions, TransportName };
export { BACKENDS, RUNTIMES, TRANSPORTS };
export { DEFAULT_HOST, DEFAULT_PORT, MAX_STOP_GRACE_MS, STOP_GRACE_MS } from './facade/rules.js';
export { MAX_INSTANCES, MAX_RESTARTS, MAX_RESTARTS_LIMIT } from './facade/instances.js';
export { MAX_MEMORY_BYTES, PAGE_BYTES } from './facade/memory-ceiling.js';

/** Serves RFC 862 echo with the C core in wasm; resolves once it is listening and running. */
export function serve(options: ServeOptions = {}): Promise<Server> {
  return serveWith(options, IN_A_WORKER);
}

/**
 * Runs a WASI preview1 command to the end and resolves with its exit code.
 * A trap rejects with ModuleTrapError; the host process is unharmed.
 */
export function run(module: string | URL | Uint8Array | WebAssembly.Module, options: RunOptions = {}): Promise<number> {
  return runWith(module, options, IN_A_WORKER);
}
