// run() on Node: any WASI preview1 command to its end.

import type { Address } from './errors.js';
import { chooseRuntime, chooseTransport } from './choose.js';
import { loadModule, moduleNameOf } from './module-loader.js';
import { flag, toAddress, toArgs, toEnv, toPreopens } from './options.js';
import { placed, type Placement } from './placement.js';
import { RUN_LINGER_MS, runToEnd, stopGrace, type ListenerOptions, type StopOptions } from './rules.js';
import { start } from './start.js';
import type { Output } from '../runtime/launch.js';
import type { Preopen, RuntimeName } from '../runtime/types.js';
import type { TransportName } from '../transport/kinds.js';

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
  const transport = await chooseTransport(options.transport);
  const moduleName = options.name ?? moduleNameOf(module);
  options.signal?.throwIfAborted();
  // Compiled while the rest starts (the launch).
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
    ...placed(placement, transport, moduleName, graceMs),
  });
  return runToEnd(launched, moduleName, graceMs, options.signal, () => options.onListening?.(launched.addresses.map((a) => ({ host: a.host, port: a.port }))));
}
