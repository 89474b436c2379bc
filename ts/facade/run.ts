// run() on Node: any WASI preview1 command to its end.

import type { Address } from './errors.js';
import { chooseRuntime, chooseTransport } from './choose.js';
import { instanceCount, instancePlan, type InstanceOptions } from './instances.js';
import { maxMemoryOption } from './memory-ceiling.js';
import { compiledModule, loadModule, moduleNameOf } from './module-loader.js';
import { flag, toAddress, toArgs, toEnv, toPreopens } from './options.js';
import { placed, type Placement } from './placement.js';
import { RUN_LINGER_MS, runToEnd, stopGrace, type ListenerOptions, type StopOptions } from './rules.js';
import { start } from './start.js';
import type { Output } from '../runtime/launch.js';
import type { Preopen, RuntimeName } from '../runtime/types.js';
import type { TransportName } from '../transport/kinds.js';

export interface RunOptions extends StopOptions, ListenerOptions, InstanceOptions {
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
  /** Called with the bound addresses (port 0 resolved) and the number of instances before the module starts. */
  onListening?: (addresses: readonly Address[], instances: number) => void;
  /**
   * Aborting stops the module as close() stops a server: its listeners hang
   * up (accept answers ECANCELED), and it has stopGraceMs to finish what it
   * has. A module that then exits resolves with its exit code; one that does
   * not is ended (ModuleStoppedError).
   */
  signal?: AbortSignal;
}

/** run() placed as `placement` says. */
export async function runWith(module: string | URL | Uint8Array | WebAssembly.Module, options: RunOptions, placement: Placement): Promise<number> {
  const runtime = await chooseRuntime(options.runtime);
  const listen = (options.tcplisten ?? []).map(toAddress);
  const preopens = toPreopens(options.preopens);
  const env = toEnv(options.env);
  const args = toArgs(options.args);
  const graceMs = stopGrace(options.stopGraceMs);
  const blockingListeners = flag('blockingAccept', options.blockingAccept);
  const instances = instanceCount(options.instances);
  const maxMemory = maxMemoryOption(options.maxMemory);
  const transport = await chooseTransport(options.transport);
  const moduleName = options.name ?? moduleNameOf(module);
  const stderr = options.stderr ?? 'inherit';
  // A module that exits with status 0 by itself has finished: only its instance ends.
  const plan = instancePlan(instances, options.maxRestarts, transport, { graceMs, exitZeroEnds: true, notice: (line) => hostLine(stderr, line) });
  options.signal?.throwIfAborted();
  // Compiled while the rest starts (the launch).
  const compiled = module instanceof WebAssembly.Module ? compiledModule(module, maxMemory) : loadModule(module, moduleName, maxMemory);

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
    stderr,
    lingerMs: RUN_LINGER_MS,
    instances: plan,
    ...placed(placement, transport, moduleName, graceMs),
  });
  return runToEnd(launched, moduleName, graceMs, options.signal, () => options.onListening?.(launched.addresses.map((a) => ({ host: a.host, port: a.port })), instances));
}

/** A line of the host's own, where the module's stderr goes. */
function hostLine(output: Output, line: string): void {
  const bytes = new TextEncoder().encode(`wasi-evloop: ${line}\n`);
  if (output === 'inherit') process.stderr.write(bytes);
  else if (typeof output === 'function') output(bytes);
}
