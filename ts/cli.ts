// wasi-evloop serve | run | demo. Exit status: the module's for `run`; 0 after a
// signal-initiated close for `serve`; 2 for bad arguments (one line on
// stderr); 1 for other failures (address in use, ...); 134 when the module
// trapped (as a process killed by abort()). SIGINT or SIGTERM asks the module
// to stop: `run` exits with its own status if it then exits; if the host had
// to end it (either command), one line says why and the status is 128 + the
// signal's number (130, 143), as a shell reports a process the signal killed.
// The signals are listened for from before the start; a repeated one changes
// nothing (ts/runtime/stop-signals.ts).
//
// The process is the module's own, so on a transport that allows it (kernel)
// the module runs on this thread (ts/runtime/here-launch.ts): no worker to
// boot. `--worker` keeps it in a worker thread, as serve() and run() do.

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  formatAddress,
  ModuleLoadError,
  ModuleStoppedError,
  ModuleTrapError,
  UsageError,
  WasiEvloopError,
} from './facade/errors.js';
import { MAX_INSTANCES, MAX_RESTARTS, MAX_RESTARTS_LIMIT } from './facade/instances.js';
import { MAX_MEMORY_BYTES, PAGE_BYTES } from './facade/memory-ceiling.js';
import { parseAddress, parsePreopen } from './facade/options.js';
import { parseRule } from './host/network-policy.js';
import { sandboxRefusal } from './js-runtime.js';
import type { Placement } from './facade/placement.js';
import { BACKENDS, DEFAULT_HOST, DEFAULT_PORT, MAX_STOP_GRACE_MS, STOP_GRACE_MS, type Backend } from './facade/rules.js';
import { runWith } from './facade/run.js';
import { serveWith } from './facade/serve.js';
import { writeAllSync } from './runtime/stdio.js';
import { StopSignals } from './runtime/stop-signals.js';
import { RUNTIMES, type RuntimeName } from './runtime/types.js';
import { TRANSPORTS, type TransportName } from './transport/kinds.js';

const NAME = 'wasi-evloop';
const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;
const EXIT_TRAP = 134;

/**
 * The CLI's own lines, written at once: a module on this thread may block it
 * right after (a stream's write could wait for the event loop), and the
 * process streams are not made (for a pipe they load node:net) on a start
 * that needs none.
 */
function say(fd: 1 | 2, text: string): void {
  writeAllSync(fd, Buffer.from(text));
}

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** One line on stderr, then the exit status. */
function fail(code: number, message: string): never {
  say(2, `${NAME}: ${message}\n`);
  throw new Exit(code);
}

function usageHint(command: string | undefined): string {
  return command ? `see '${NAME} ${command} --help'` : `see '${NAME} --help'`;
}

function reportError(error: unknown, command: string): never {
  if (error instanceof Exit) throw error;
  if (error instanceof UsageError) fail(EXIT_USAGE, `${error.message} (${usageHint(command)})`);
  if (error instanceof ModuleLoadError) {
    const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
    // A module path that names nothing readable is a bad argument.
    fail(code === 'ENOENT' || code === 'EISDIR' ? EXIT_USAGE : EXIT_FAILURE, error.message);
  }
  if (error instanceof ModuleTrapError) fail(EXIT_TRAP, error.message);
  if (error instanceof WasiEvloopError) fail(EXIT_FAILURE, error.message);
  const refused = sandboxRefusal(error);
  if (refused !== null) fail(EXIT_FAILURE, refused);
  fail(EXIT_FAILURE, `internal error: ${(error as Error)?.stack ?? String(error)}`);
}

// ---- argument parsers (each throws a one-line reason) --------------------------

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new InvalidArgumentError('expected a port from 0 to 65535.');
  return Number(text);
}

function parseCount(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new InvalidArgumentError('expected a whole number.');
  return Number(text);
}

function parseGrace(text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > MAX_STOP_GRACE_MS) {
    throw new InvalidArgumentError(`expected a whole number of milliseconds from 0 to ${MAX_STOP_GRACE_MS}.`);
  }
  return Number(text);
}

function parseInstances(text: string): number | 'auto' {
  if (text === 'auto') return 'auto';
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > MAX_INSTANCES) {
    throw new InvalidArgumentError(`expected 'auto' or a whole number from 1 to ${MAX_INSTANCES}.`);
  }
  return Number(text);
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A size in bytes: a whole number, or with k, m or g (KiB, MiB, GiB). */
function parseSize(text: string): number {
  const match = /^(\d{1,10})([kmg]?)$/i.exec(text);
  const bytes = match ? Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]! : NaN;
  if (!(bytes >= PAGE_BYTES && bytes <= MAX_MEMORY_BYTES)) {
    throw new InvalidArgumentError('expected a size from 64k (one page) to 4g, in bytes or with k, m or g (e.g. 256m).');
  }
  return bytes;
}

function parseRestarts(text: string): number {
  if (!/^\d{1,7}$/.test(text) || Number(text) > MAX_RESTARTS_LIMIT) {
    throw new InvalidArgumentError(`expected a whole number from 0 to ${MAX_RESTARTS_LIMIT}.`);
  }
  return Number(text);
}

/** How a listening line names the instances: only when there are several. */
function instancesNote(count: number, form: (note: string) => string): string {
  return count > 1 ? form(`instances ${count}`) : '';
}

function collect<T>(parse: (text: string) => T) {
  return (text: string, previous: T[] = []): T[] => {
    try {
      return [...previous, parse(text)];
    } catch (error) {
      if (error instanceof UsageError) throw new InvalidArgumentError(`${error.message}.`);
      throw error;
    }
  };
}

function parseEnv(text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`expected NAME=VALUE, got ${JSON.stringify(text)}`);
  return [text.slice(0, at), text.slice(at + 1)];
}

// ---- commands ------------------------------------------------------------------

/** Where the module runs and how `signals` stop it. */
function placement(flags: { worker?: boolean }, signals: StopSignals): Placement {
  return {
    thread: flags.worker ? 'worker' : 'auto',
    stopOnSignals: { graceLine: (ended) => `${NAME}: ${ended.message}\n`, signals },
  };
}

/** A module the host had to end after the user's signal: one line, and the status a shell gives a process the signal killed. */
function endedAfterSignal(error: unknown, signal: number | null): number | null {
  if (!(error instanceof ModuleStoppedError) || signal === null) return null;
  say(2, `${NAME}: ${error.message}\n`);
  return 128 + signal;
}

interface ServeFlags {
  backend: Backend;
  runtime?: RuntimeName;
  transport?: TransportName;
  host: string;
  port: number;
  maxConns?: number;
  maxPending?: number;
  stallTimeout?: number;
  stopGrace?: number;
  verbose?: boolean;
  worker?: boolean;
  instances?: number | 'auto';
  maxRestarts?: number;
  maxMemory?: number;
}

async function serveCommand(flags: ServeFlags): Promise<void> {
  // Listened for before the start (stop-signals.ts).
  const signals = new StopSignals();
  const server = await serveWith(
    {
      backend: flags.backend,
      runtime: flags.runtime,
      transport: flags.transport,
      host: flags.host,
      port: flags.port,
      maxConns: flags.maxConns,
      maxPending: flags.maxPending,
      stallTimeoutMs: flags.stallTimeout,
      stopGraceMs: flags.stopGrace,
      verbose: flags.verbose,
      instances: flags.instances,
      maxRestarts: flags.maxRestarts,
      maxMemory: flags.maxMemory,
    },
    placement(flags, signals),
    (ready) => {
      say(
        1,
        `listening on ${formatAddress(ready.address)} (backend ${ready.backend}, runtime ${ready.runtime}, transport ${ready.transport}${instancesNote(ready.instances, (n) => `, ${n}`)})\n`,
      );
    },
  ).catch((error) => {
    // Stopped before it served: as a process the signal ended before it was ready.
    if (signals.first !== null) throw new Exit(128 + signals.first);
    reportError(error, 'serve');
  });
  try {
    await server.finished;
  } catch (error) {
    const status = endedAfterSignal(error, signals.first);
    if (status !== null) throw new Exit(status);
    reportError(error, 'serve');
  }
  if (signals.first === null) fail(EXIT_FAILURE, `the ${server.backend} server ended by itself`);
}

interface RunFlags {
  tcplisten: string[];
  allowConnect: string[];
  allowListen: string[];
  verbose?: boolean;
  env: [string, string][];
  dir: { host: string; guest: string }[];
  runtime?: RuntimeName;
  transport?: TransportName;
  stopGrace?: number;
  blockingAccept?: boolean;
  worker?: boolean;
  instances?: number | 'auto';
  maxRestarts?: number;
  maxMemory?: number;
}

interface DemoFlags {
  host: string;
  port: number;
}

/** Default port of the lesson page's server. */
const DEMO_PORT = 7080;

async function demoCommand(flags: DemoFlags): Promise<void> {
  const { startDemoServer } = await import('./browser/demo-server.js');
  const server = await startDemoServer(flags.host, flags.port).catch((error) => reportError(error, 'demo'));
  say(1, `demo on ${server.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
}

async function runCommand(module: string, args: string[], flags: RunFlags): Promise<number> {
  // Listened for before the start (stop-signals.ts).
  const signals = new StopSignals();
  try {
    return await runWith(
      module,
      {
        tcplisten: flags.tcplisten,
        args,
        env: Object.fromEntries(flags.env),
        preopens: flags.dir,
        runtime: flags.runtime,
        transport: flags.transport,
        stopGraceMs: flags.stopGrace,
        blockingAccept: flags.blockingAccept,
        instances: flags.instances,
        maxRestarts: flags.maxRestarts,
        maxMemory: flags.maxMemory,
        allowConnect: flags.allowConnect,
        allowListen: flags.allowListen,
        verbose: flags.verbose,
        onStats: (stats) => {
          if (flags.verbose && stats.denied > 0) say(2, `wasi-evloop: the network policy denied ${stats.denied} call(s)\n`);
        },
        onListening: (addresses, instances) => {
          const note = instancesNote(instances, (n) => ` (${n})`);
          for (const address of addresses) say(2, `listening on ${formatAddress(address)}${note}\n`);
        },
      },
      placement(flags, signals),
    );
  } catch (error) {
    const status = endedAfterSignal(error, signals.first);
    if (status !== null) return status;
    reportError(error, 'run');
  }
}

const WORKER_HELP = 'run the module in a worker thread, even where it could run on this one';
const INSTANCES_HELP = "instances of the module on the same address, each in a worker of its own ('auto': one per available core; default 1)";
const MEMORY_HELP = "the module's memory cannot grow past SIZE (bytes, or with k, m or g), each instance's own";
const RESTARTS_HELP = `with several instances, restarts in a row of one that traps or exits before the server gives up (default ${MAX_RESTARTS})`;

function program(): Command {
  const cli = new Command(NAME)
    .description('Run WASI preview1 socket programs on Node with real TCP sockets.')
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .showSuggestionAfterError(true)
    .allowExcessArguments(true)
    .action((_options, command: Command) => {
      const [first] = command.args;
      fail(EXIT_USAGE, first ? `unknown command '${first}' (${usageHint(undefined)})` : `missing command: serve, run or demo (${usageHint(undefined)})`);
    });

  cli
    .command('serve')
    .description('serve RFC 862 echo with the C event-loop core compiled to wasm')
    .addOption(new Option('--backend <name>', 'event loop backend').choices(BACKENDS).default('epoll'))
    .addOption(new Option('--runtime <name>', 'WASI runtime (default: node where it can work, else shim)').choices(RUNTIMES))
    .addOption(new Option('--transport <name>', 'where the sockets live (default: the fastest available)').choices(TRANSPORTS))
    .option('--host <host>', 'address to listen on', DEFAULT_HOST)
    .option('--port <port>', 'port to listen on (0: any free port)', parsePort, DEFAULT_PORT)
    .option('--max-conns <n>', 'refuse connections beyond N open ones', parseCount)
    // The core's own defaults (c/echo.c), stated here as the README states them.
    .option('--max-pending <bytes>', 'drop a peer whose unsent output passes BYTES (default 1048576)', parseCount)
    .option('--stall-timeout <ms>', 'drop a paused peer whose output has not moved for MS (default 30000; 0: never)', parseCount)
    .option('--stop-grace <ms>', `on SIGINT/SIGTERM, end the core if it has not ended after MS (default ${STOP_GRACE_MS})`, parseGrace)
    .option('--verbose', 'log connections and bytes on stderr')
    .option('--instances <n|auto>', INSTANCES_HELP, parseInstances)
    .option('--max-restarts <n>', RESTARTS_HELP, parseRestarts)
    .option('--max-memory <size>', MEMORY_HELP, parseSize)
    .option('--worker', WORKER_HELP)
    .action((flags: ServeFlags) => serveCommand(flags));

  cli
    .command('run')
    .description('run a WASI preview1 module; each --tcplisten becomes a listening socket at fd 3, 4, ...')
    .argument('<module>', 'the .wasm file')
    .argument('[args...]', 'arguments for the module (after --)')
    .option('--tcplisten <host:port>', 'listen here and pass the socket to the module (repeatable)', collect(parseAddressArg), [])
    .option('--env <name=value>', 'environment variable for the module (repeatable)', collect(parseEnv), [])
    .option('--dir <host[::guest]>', 'preopen a directory (repeatable)', collect(parsePreopen), [])
    .option('--allow-connect <host:port>', "let the module's own sockets connect there; host:* for any port (repeatable)", collect(parsePolicyRule), [])
    .option('--allow-listen <host:port>', "let the module's own sockets bind and listen there; host:* for any port (repeatable)", collect(parsePolicyRule), [])
    .option('--verbose', 'log what the host refused or denied the module on stderr')
    .addOption(new Option('--runtime <name>', 'WASI runtime (default: node where it can work, else shim)').choices(RUNTIMES))
    .addOption(new Option('--transport <name>', 'where the sockets live (default: the fastest available)').choices(TRANSPORTS))
    .option('--blocking-accept', 'hand the listeners over blocking, for a blocking accept loop (default: NONBLOCK, as wasmtime)')
    .option('--stop-grace <ms>', `on SIGINT/SIGTERM the listeners hang up; end the module if it has not ended after MS (default ${STOP_GRACE_MS})`, parseGrace)
    .option('--instances <n|auto>', INSTANCES_HELP, parseInstances)
    .option('--max-restarts <n>', RESTARTS_HELP, parseRestarts)
    .option('--max-memory <size>', MEMORY_HELP, parseSize)
    .option('--worker', WORKER_HELP)
    .action(async (module: string, args: string[], flags: RunFlags) => {
      process.exitCode = (await runCommand(module, args, flags)) & 0xff;
    });
  cli
    .command('demo')
    .description('serve the lesson page: select, poll and epoll live in a browser, on a virtual network')
    .option('--host <host>', 'address to serve the page on', DEFAULT_HOST)
    .option('--port <port>', 'port to serve the page on (0: any free port)', parsePort, DEMO_PORT)
    .action((flags: DemoFlags) => demoCommand(flags));
  return cli;
}

function parseAddressArg(text: string) {
  return parseAddress(text);
}

/** A network policy rule (--allow-connect, --allow-listen), checked as run() checks it. */
function parsePolicyRule(text: string): string {
  try {
    parseRule(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return text;
}

async function main(argv: string[]): Promise<void> {
  const cli = program();
  try {
    await cli.parseAsync(argv);
  } catch (error) {
    if (error instanceof Exit) {
      process.exitCode = error.code;
      return;
    }
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return;
      const command = argv.slice(2).find((a) => a === 'serve' || a === 'run' || a === 'demo');
      const message = error.message.replace(/^error: /, '').replace(/\n+/g, ' ').trim();
      const hint = command === 'run' && error.code === 'commander.unknownOption' ? "the module's own options go after '--'; " : '';
      say(2, `${NAME}: ${message} (${hint}${usageHint(command)})\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    throw error;
  }
}

// Not a top-level await: the CLI's bundle is CommonJS (scripts/build-node.mjs).
void main(process.argv);
