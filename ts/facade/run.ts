// run() on Node: any WASI preview1 command to its end.

import type { Address } from './errors.js';
import { chooseRuntime, chooseTransport } from './choose.js';
import { instanceCount, instancePlan, type InstanceOptions } from './instances.js';
import { maxMemoryOption } from './memory-ceiling.js';
import { compiledModule, loadModule, moduleNameOf } from './module-loader.js';
import { flag, toAddress, toArgs, toEnv, toPolicy, toPreopens } from './options.js';
import { placed, type Placement } from './placement.js';
import { RUN_LINGER_MS, runToEnd, stopGrace, type ListenerOptions, type StopOptions } from './rules.js';
import { start } from './start.js';
import type { Output } from '../runtime/launch.js';
import { writeAllSync } from '../runtime/stdio.js';
import type { Preopen, RuntimeName } from '../runtime/types.js';
import type { ConnectionStats } from '../transport/control-block.js';
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

/** run() placed as `placement` says. */
export async function runWith(module: string | URL | Uint8Array | WebAssembly.Module, options: RunOptions, placement: Placement): Promise<number> {
  const runtime = await chooseRuntime(options.runtime);
  const listen = (options.tcplisten ?? []).map(toAddress);
  const preopens = toPreopens(options.preopens);
  const env = toEnv(options.env);
  const args = toArgs(options.args);
  const policy = toPolicy(options.allowConnect, options.allowListen);
  const graceMs = stopGrace(options.stopGraceMs);
  const blockingListeners = flag('blockingAccept', options.blockingAccept);
  const instances = instanceCount(options.instances);
  const maxMemory = maxMemoryOption(options.maxMemory);
  const transport = await chooseTransport(options.transport);
  const moduleName = options.name ?? moduleNameOf(module);
  const stderr = options.stderr ?? 'inherit';
  // A module that exits with status 0 by itself has finished: only its instance ends.
  const plan = instancePlan(instances, options.maxRestarts, transport, { graceMs, exitZeroEnds: true, notice: (line) => writeTo(stderr, `wasi-evloop: ${line}\n`) });
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
    policy,
    log: options.verbose ? (line) => writeTo(stderr, `wasi-evloop: ${line}\n`) : undefined,
    ...placed(placement, transport, moduleName, graceMs),
  });
  try {
    return await runToEnd(launched, moduleName, graceMs, options.signal, () =>
      options.onListening?.(launched.addresses.map((a) => ({ host: a.host, port: a.port })), instances),
    );
  } finally {
    options.onStats?.(launched.stats());
  }
}

/** A line for the user, where the module's stderr goes (written at once: the thread may be the module's). */
function writeTo(output: Output, line: string): void {
  if (output === 'inherit') writeAllSync(2, new TextEncoder().encode(line));
  else if (typeof output === 'function') output(new TextEncoder().encode(line));
}
