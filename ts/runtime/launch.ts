// The starting thread's side of running one module, whichever thread runs it:
// what a launch is given and what it gives back, and the choice between the
// two ways to run it.
//
// - In a worker thread (worker-launch.ts): the starting thread stays free, so
//   serve() and run() never block their caller's event loop.
// - On the starting thread itself (here-launch.ts): only for a process that is
//   the module's own (the CLI) and a transport whose calls are all synchronous
//   (kinds.ts, `startingThread`): no worker to boot, no second module graph.
//   The thread is the module's until it ends.
//
// Both supervise the module the same way (supervision.ts) and end with every
// thread, socket and server gone.

import type { ConnectionStats } from '../transport/control-block.js';
import type { TransportName } from '../transport/kinds.js';
import type { InstanceListeners, ListenAddress, TransportLimits } from '../transport/types.js';
import type { NetworkPolicySpec } from '../host/network-policy.js';
import type { InstancePlan } from './instances.js';
import type { StopSignals } from './stop-signals.js';
import type { Outcome } from './supervision.js';
import type { Preopen, RuntimeConfig, RuntimeName, StdioMode } from './types.js';

export type { Outcome } from './supervision.js';

/** Where the module's stdout/stderr go: the process's, nowhere, or a function (bytes in order). */
export type Output = 'inherit' | 'ignore' | ((bytes: Uint8Array) => void);

/** 'worker': a worker thread of its own; 'here': this thread, blocked until the module ends. */
export type Thread = 'worker' | 'here';

export interface LaunchOptions {
  /** The module, or its compilation under way: the rest of the start goes on meanwhile. */
  module: WebAssembly.Module | Promise<WebAssembly.Module>;
  moduleName: string;
  runtime: RuntimeName;
  transport: TransportName;
  /** Default 'worker'. 'here' needs a transport that runs on the starting thread. */
  thread?: Thread;
  /**
   * 'worker': take a worker kept from an earlier module, and keep this one
   * for the next module if this one ends cleanly (a process that runs many).
   */
  warm?: boolean;
  /** argv, program name first. */
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  preopens: readonly Preopen[];
  listen: readonly ListenAddress[];
  /**
   * Several instances of the module on the same addresses, under one
   * supervisor (instances.ts): each in a worker of its own. At 1 (or without
   * this), the one module runs as `thread` says.
   */
  instances?: InstancePlan;
  /** One of several instances (instances.ts): its listeners are these, not `listen` opened anew. */
  instance?: { listeners: InstanceListeners; index: number };
  /** The listeners start blocking (SocketHostOptions.blockingListeners); default: NONBLOCK, as wasmtime. */
  blockingListeners?: boolean;
  stdout: Output;
  stderr: Output;
  limits?: TransportLimits;
  /** How long sockets the module left open may flush once it is gone. */
  lingerMs: number;
  /** Lines for the user (connections the transport refused, calls the policy denied), when they asked for them. */
  log?: (line: string) => void;
  /** Where the module may connect and listen with the sockets it opens. Default: nowhere. */
  policy?: NetworkPolicySpec;
  /** A bug on the host's side (an import answered EIO instead). Default: a process warning. */
  onInternalError?: (message: string) => void;
  /** Called once, when the module first sleeps (it is serving); on 'here', while the module runs. */
  onServing?: () => void;
  /**
   * The process's SIGINT and SIGTERM stop the module (for a process that is the
   * module's own): its listeners hang up; if it has not ended `graceMs` later,
   * the host ends it and the launch's outcome is 'stopped' — at its next wait,
   * or, for a module that makes no call, by terminating its worker ('worker')
   * or by ending the process with 128 + the signal's number after writing
   * `graceLine` to stderr ('here': the thread cannot be taken back from a
   * module busy in wasm). `signals` listens for them (from before the
   * launch, for the whole process) and learns the first one's number.
   */
  stopOnSignals?: { graceMs: number; graceLine: string; signals: StopSignals };
}

/** One instance's counters, over every time it ran, and how many times it was restarted. */
export interface InstanceStats extends ConnectionStats {
  restarts: number;
}

/** A launch's counters: its instances' summed, and each one's. */
export interface LaunchStats extends InstanceStats {
  instances: InstanceStats[];
}

/** The stats of a launch of one instance that is never restarted. */
export function oneInstanceStats(stats: ConnectionStats): LaunchStats {
  return { ...stats, restarts: 0, instances: [{ ...stats, restarts: 0 }] };
}

export interface Launched {
  readonly addresses: readonly ListenAddress[];
  /** True when the module (every instance) first sleeps (it is serving); false if it ended before that. */
  readonly ready: Promise<boolean>;
  /** How the module ended; resolves once no thread, socket or server of it is left. */
  readonly outcome: Promise<Outcome>;
  stats(): LaunchStats;
  /**
   * Asks the module to stop (its listeners hang up; ts/host/waiting.ts); if it
   * has not ended after `graceMs`, it is ended (Supervision.stop). On 'here'
   * the module cannot be reached while it runs: a stop before it starts ends
   * it unstarted; during its run, only signals stop it (stopOnSignals).
   */
  stop(graceMs: number): Promise<Outcome>;
}

/** The runtime's configuration for a launch (the output functions are the launch's to wire). */
export function runtimeConfig(options: LaunchOptions): Omit<RuntimeConfig, 'onOutput'> {
  return {
    args: [...options.args],
    env: { ...options.env },
    preopens: options.preopens.map((p) => ({ ...p })),
    stdout: stdioMode(options.stdout),
    stderr: stdioMode(options.stderr),
  };
}

function stdioMode(output: Output): StdioMode {
  return typeof output === 'function' ? 'pipe' : output;
}

/** Where a module's output goes, by fd, as the launch options say. */
export function outputTo(options: LaunchOptions): (fd: 1 | 2, bytes: Uint8Array) => void {
  return (fd, bytes) => {
    const sink = fd === 1 ? options.stdout : options.stderr;
    if (typeof sink === 'function') sink(bytes);
  };
}

/** What the user hears of a call the network policy denied (once per address; the log is theirs to ask for). */
export function deniedTo(options: LaunchOptions): (what: string) => void {
  return (what) => options.log?.(`denied: ${what} (outside the network policy)`);
}

export function internalErrorTo(options: LaunchOptions): (message: string) => void {
  return options.onInternalError ?? ((message) => process.emitWarning(message, 'WasiEvloopHostError'));
}

/**
 * Opens the listeners (Node errors propagate: EADDRINUSE, ...) and starts the
 * module, on the thread `options.thread` says.
 */
export async function launch(options: LaunchOptions): Promise<Launched> {
  // Awaited by the launch, unless the listeners fail first: then its failure is not the one to report.
  Promise.resolve(options.module).catch(() => {});
  if (options.instances !== undefined && options.instances.count > 1) return (await import('./instances.js')).launchInstances(options);
  if (options.thread === 'here') return (await import('./here-launch.js')).launchHere(options);
  return (await import('./worker-launch.js')).launchWorker(options);
}
