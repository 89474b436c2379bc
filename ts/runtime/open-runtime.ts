// The WASI runtime a module asked for, on the thread that runs it (a worker,
// or the starting thread). Only the one asked for is loaded: each costs
// start-up time.

import type { RuntimeConfig, RuntimeName, WasiRuntime } from './types.js';

export async function openRuntime(name: RuntimeName, config: RuntimeConfig): Promise<WasiRuntime> {
  return name === 'node' ? (await import('./node.js')).createNodeRuntime(config) : (await import('./shim.js')).createShimRuntime(config);
}
