// The page's side of running one module: opens the virtual network (the owner
// half), starts worker.ts as a module Web Worker, relays the module's output,
// stops it when asked, and ends with the worker gone and the network closed.
// The browser counterpart of ts/runtime/launch.ts.

import { Supervision, type Outcome } from '../runtime/supervision.js';
import type { WorkerMessage } from '../runtime/types.js';
import { ControlBlock, type ConnectionStats } from '../transport/control-block.js';
import type { ListenAddress, TransportLimits } from '../transport/types.js';
import { VirtualOwner, type VirtualNetwork, type VirtualSocket } from '../transport/virtual/owner.js';
import { DENY_ALL, type NetworkPolicySpec } from '../host/network-policy.js';
import type { BrowserWorkerData } from './protocol.js';

export interface BrowserLaunchOptions {
  module: WebAssembly.Module;
  moduleName: string;
  /** argv, program name first. */
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  listen: readonly ListenAddress[];
  /** The listeners start blocking (SocketHostOptions.blockingListeners); default: NONBLOCK, as wasmtime. */
  blockingListeners?: boolean;
  limits?: TransportLimits;
  /** Connections the network holds at once (a network of its own). */
  connections?: number;
  /** The page's network to join; default: one of its own, closed with the module. */
  network?: VirtualNetwork;
  /** Where the module may connect and listen with the sockets it opens. Default: nowhere. */
  policy?: NetworkPolicySpec;
  stdout?: (bytes: Uint8Array) => void;
  stderr?: (bytes: Uint8Array) => void;
  /** How long clients may still read what the module sent once it is gone. */
  lingerMs: number;
  log?: (line: string) => void;
  /** Where worker.js is; default: beside this bundle. */
  workerUrl?: URL | string;
}

export interface BrowserLaunched {
  readonly addresses: readonly ListenAddress[];
  /** True when the module first sleeps (it is serving); false if it ended before that. */
  readonly ready: Promise<boolean>;
  /** How the module ended; resolves once the worker is gone and the network closed. */
  readonly outcome: Promise<Outcome>;
  connect(address?: ListenAddress): Promise<VirtualSocket>;
  stats(): ConnectionStats;
  /** Asks the module to stop (its listeners hang up); if it has not ended after `graceMs`, it is ended (Supervision.stop). */
  stop(graceMs: number): Promise<Outcome>;
}

export async function launchInBrowser(options: BrowserLaunchOptions): Promise<BrowserLaunched> {
  const control = new ControlBlock();
  const owner = await VirtualOwner.open({
    listen: options.listen,
    control,
    limits: options.limits,
    connections: options.connections,
    network: options.network,
    log: options.log,
  });
  const { init } = owner.moduleInit();
  let worker: Worker;
  try {
    worker = new Worker(options.workerUrl ?? new URL('./worker.js', import.meta.url), { type: 'module', name: options.moduleName });
  } catch (error) {
    await owner.close(0);
    throw error;
  }

  // A Web Worker gives no event when it ends: it is gone once it has said how
  // the module ended (its last message, sent after the module's sockets are
  // closed), once it failed, or once it is terminated.
  const end = (failure?: Error) => {
    worker.terminate();
    supervision.gone(failure);
  };
  const supervision = new Supervision({
    owner,
    control,
    lingerMs: options.lingerMs,
    terminate: () => end(),
    onOutput: (fd, bytes) => (fd === 1 ? options.stdout : options.stderr)?.(bytes),
    onInternalError: (message) => console.warn(`wasi-evloop host error: ${message}`),
    onDenied: (what) => options.log?.(`denied: ${what} (outside the network policy)`),
  });
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
    if (supervision.message(event.data)) end();
  };
  // A worker script that cannot load (no COEP header on it, a wrong URL) gives only this event.
  worker.onerror = (event) => {
    event.preventDefault();
    end(new Error(`the module's worker failed: ${event.message || 'its script could not be loaded (is every response cross-origin isolated?)'}`));
  };

  const data: BrowserWorkerData = {
    module: options.module,
    args: [...options.args],
    env: { ...options.env },
    transport: init,
    control: control.buffer,
    policy: options.policy ?? DENY_ALL,
    blockingListeners: options.blockingListeners ?? false,
  };
  worker.postMessage(data);

  return {
    addresses: owner.addresses,
    ready: supervision.ready,
    outcome: supervision.outcome,
    connect: (address) => owner.connect(address),
    stats: () => control.stats(),
    stop: (graceMs) => supervision.stop(graceMs),
  };
}
