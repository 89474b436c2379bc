// serve() on Node: the echo core on a port, resolved once it is serving.

import type { Address } from './errors.js';
import { chooseRuntime, chooseTransport } from './choose.js';
import { HeldOutput } from './held-output.js';
import { instanceCount, instancePlan, type InstanceOptions } from './instances.js';
import { maxMemoryOption } from './memory-ceiling.js';
import { coreModule } from './module-loader.js';
import { placed, type Placement } from './placement.js';
import { coreDidNotStart, echoCommand, SERVE_LINGER_MS, stopGrace, type Backend, type EchoOptions, type StopOptions } from './rules.js';
import { settle } from './settle.js';
import { start } from './start.js';
import type { LaunchStats, Output } from '../runtime/launch.js';
import type { RuntimeName } from '../runtime/types.js';
import type { TransportName } from '../transport/kinds.js';

export interface ServeOptions extends EchoOptions, StopOptions, InstanceOptions {
  /** The WASI runtime; default: 'node' where it can work (under Node), else 'shim' (see README, "Where it runs"). */
  runtime?: RuntimeName;
  /** Where the sockets live; default: the fastest available here (see README, "Transports"). */
  transport?: TransportName;
  /** Default 'ignore'; the core writes nothing there. */
  stdout?: Output;
  /** Default 'inherit': the core's stats line (at close) and --verbose logs. */
  stderr?: Output;
}

/** serve()'s counters: every instance's summed, and each one's. */
export type ServerStats = LaunchStats;

export interface Server {
  readonly address: Address;
  readonly backend: Backend;
  readonly runtime: RuntimeName;
  readonly transport: TransportName;
  /** How many instances of the core serve the address (the `instances` option, 'auto' resolved). */
  readonly instances: number;
  /**
   * Counted by the host as the module works (the core prints its own at
   * exit): every instance's summed, with how many restarts there were, and
   * each instance's in `instances` (over all its restarts).
   */
  stats(): ServerStats;
  /**
   * Settles when the module ends: with its exit code, or rejected (with
   * ModuleTrapError, ...) if it failed. It ends by itself only if something
   * went wrong; close() ends it normally.
   */
  readonly finished: Promise<number>;
  /**
   * Graceful: the listeners hang up, the core closes every connection,
   * prints its stats line and exits; after stopGraceMs it is ended.
   * Resolves when no worker, socket or server is left.
   */
  close(): Promise<void>;
}

/**
 * serve() placed as `placement` says. `onServing` is called with the server
 * once the core is serving, before this resolves: on the starting thread,
 * while the core runs (this resolves only once it has ended).
 */
export async function serveWith(options: ServeOptions, placement: Placement, onServing?: (server: Server) => void): Promise<Server> {
  const { backend, host, port, args, moduleName } = echoCommand(options);
  const runtime = await chooseRuntime(options.runtime);
  const graceMs = stopGrace(options.stopGraceMs);
  const instances = instanceCount(options.instances);
  const maxMemory = maxMemoryOption(options.maxMemory);
  const transport = await chooseTransport(options.transport);

  // Compiled while the rest starts (the launch).
  const module = coreModule(backend, maxMemory);
  const output = options.stderr ?? 'inherit';
  const stderr = new HeldOutput((bytes) => {
    if (output === 'inherit') process.stderr.write(bytes);
    else if (typeof output === 'function') output(bytes);
  });
  const hostLine = (line: string) => stderr.sink(new TextEncoder().encode(`wasi-evloop: ${line}\n`));
  // The echo core never exits by itself while it serves: an exit is a failure, restarted as a trap is.
  const plan = instancePlan(instances, options.maxRestarts, transport, { graceMs, exitZeroEnds: false, notice: hostLine });
  let server: Server | undefined;
  const launched = await start({
    module,
    moduleName,
    runtime,
    transport,
    args,
    env: {},
    preopens: [],
    listen: [{ host, port }],
    stdout: options.stdout ?? 'ignore',
    stderr: stderr.sink,
    lingerMs: SERVE_LINGER_MS,
    log: options.verbose ? hostLine : undefined,
    instances: plan,
    // The server exists by then: the module starts serving only after the launch has returned.
    ...placed(placement, transport, moduleName, graceMs, () => {
      stderr.release();
      onServing?.(server!);
    }),
  });
  const finished = launched.outcome.then((outcome) => settle(outcome, moduleName));
  finished.catch(() => {}); // observed through `finished` or close(); never an unhandled rejection
  const address = launched.addresses[0]!;
  server = {
    address: { host: address.host, port: address.port },
    backend,
    runtime,
    transport,
    instances,
    stats: () => launched.stats(),
    finished,
    async close() {
      await launched.stop(graceMs);
    },
  };

  if (!(await launched.ready)) {
    const code = await finished; // a trap or a start error throws here
    throw coreDidNotStart(moduleName, code, stderr.text());
  }
  return server;
}
