// How many instances of a module serve() and run() start on the same
// addresses, and the plan their supervisor follows (ts/runtime/instances.ts).

import { availableParallelism } from 'node:os';
import { TransportUnavailableError, UsageError } from './errors.js';
import { wholeNumber } from './options.js';
// Types only: the supervisor (and the worker threads it needs) loads only when several instances start.
import type { InstancePlan } from '../runtime/instances.js';
import { instancesUnavailable, type TransportName } from '../transport/kinds.js';

/** The most instances one serve() or run() starts: each is a thread with a heap of its own. */
export const MAX_INSTANCES = 256;
/** maxRestarts's default: restarts in a row an instance may have before the server gives up. */
export const MAX_RESTARTS = 5;
/** The largest maxRestarts accepted. */
export const MAX_RESTARTS_LIMIT = 1_000_000;
/** An instance that served this long before it ended starts its count of restarts in a row afresh. */
export const STEADY_MS = 10_000;

/** serve()'s and run()'s options for several instances. */
export interface InstanceOptions {
  /**
   * How many instances of the module serve the same addresses, each in a
   * worker thread of its own with its own listeners (the kernel spreads new
   * connections across them); 'auto': one per core this process may run on
   * (its CPU affinity). Default 1: one module, as without this option. Needs
   * the kernel transport.
   */
  instances?: number | 'auto';
  /**
   * With several instances: how many times in a row an instance that ends
   * unasked (a trap, an exit) is restarted, with backoff, before the server
   * gives up (every instance is stopped, and the server ends with that
   * instance's error). Default MAX_RESTARTS (5); 0 never restarts.
   */
  maxRestarts?: number;
  /**
   * A ceiling on the module's memory, in bytes (each instance's own): its
   * memory cannot grow past it (memory.grow answers -1, malloc NULL), and a
   * module that declares a larger minimum does not start (ModuleLoadError).
   * From 65536 (one page) to 4 GiB; default: the module's own maximum.
   */
  maxMemory?: number;
}

/** `instances`, checked (a UsageError), as a count: 'auto' is the cores available to this process. */
export function instanceCount(value: unknown): number {
  if (value === undefined) return 1;
  if (value === 'auto') return Math.min(availableParallelism(), MAX_INSTANCES);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_INSTANCES) {
    throw new UsageError(`instances must be 'auto' or a whole number from 1 to ${MAX_INSTANCES}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The supervisor's plan for `count` instances on `transport` (undefined for
 * one); TransportUnavailableError when the transport cannot run several.
 */
export function instancePlan(
  count: number,
  maxRestarts: unknown,
  transport: TransportName,
  how: { graceMs: number; exitZeroEnds: boolean; notice(line: string): void },
): InstancePlan | undefined {
  const limit = maxRestarts === undefined ? MAX_RESTARTS : wholeNumber('maxRestarts', maxRestarts, 0, MAX_RESTARTS_LIMIT);
  if (count === 1) return undefined;
  const why = instancesUnavailable(transport);
  if (why !== null) throw new TransportUnavailableError(transport, why);
  return { count, maxRestarts: limit, steadyMs: STEADY_MS, ...how };
}
