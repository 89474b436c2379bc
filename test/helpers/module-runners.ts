// The ways the run() suites start a WASI module: run() in this process (the
// module in a worker thread), over each transport and runtime; and the CLI
// (`wasi-evloop run`, a process of its own), where the kernel transport puts
// the module on the process's starting thread. One interface, so that every
// behaviour of run() is checked both ways: a stop is run()'s AbortSignal or
// the CLI's SIGTERM; the CLI's exit status and last line are read back as the
// typed error run() would have rejected with (134 and "NAME trapped: …" is
// ModuleTrapError, and so on), which checks that line's wording too.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ModuleLoadError,
  ModuleStoppedError,
  ModuleTrapError,
  RUNTIMES,
  run,
  TRANSPORTS,
  type Address,
  type RunOptions,
  type RuntimeName,
  type TransportName,
} from '../../ts/index.js';
import { startCli } from './cli.js';
import { runListening } from './run-listening.js';

const LISTEN_MS = 5000;

export interface RunSpec {
  /** Arguments after the program name. */
  args?: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** 'HOST::GUEST' directories to preopen. */
  preopens?: readonly string[];
  /** The module's name (argv[0], and the file name the CLI runs). */
  name?: string;
  /** One listener on 127.0.0.1, port 0, at fd 3. */
  listen?: boolean;
  /** The listeners start blocking (run()'s blockingAccept, the CLI's --blocking-accept). */
  blockingAccept?: boolean;
  /** How long a stopped module has to end by itself (stopGraceMs, --stop-grace). */
  stopGraceMs?: number;
  /** A stop sent this long after the start, if it has not ended by then. */
  stopAfterMs?: number;
}

export interface RunningModule {
  /** The exit code, or the typed error (ModuleTrapError, ModuleStoppedError, ModuleLoadError, …). */
  readonly exit: Promise<number>;
  /** The listener's address (with `listen`); rejects if the module ends or LISTEN_MS pass first. */
  readonly address: Promise<Address>;
  /** Asks the module to stop: run()'s AbortSignal, the CLI's SIGTERM. */
  stop(): void;
  /** What the module wrote so far (not the host's own lines). */
  stdout(): string;
  stdoutBytes(): Buffer;
  stderr(): string;
  /** Errors on the host's side (an import answered EIO instead): WasiEvloopHostError warnings. */
  hostErrors(): string[];
}

export interface ModuleRunner {
  /** 'run() node kernel', 'cli node kernel (starting thread)', … */
  readonly name: string;
  readonly runtime: RuntimeName;
  /** undefined: the default transport where the runner runs. */
  readonly transport: TransportName | undefined;
  start(module: string | Uint8Array, spec?: RunSpec): RunningModule;
}

/** run() under `runtime`, over `transport` (the default one when not given). */
export function apiRunner(runtime: RuntimeName, transport?: TransportName): ModuleRunner {
  return {
    name: `run() ${runtime} ${transport ?? 'default transport'}`,
    runtime,
    transport,
    start(module, spec = {}) {
      const controller = new AbortController();
      const out = { stdout: [] as Buffer[], stderr: '' };
      const decoder = new TextDecoder();
      const hostErrors: string[] = [];
      const onWarning = (warning: Error) => {
        if (warning.name === 'WasiEvloopHostError') hostErrors.push(warning.message);
      };
      process.on('warning', onWarning);
      const options: RunOptions = {
        runtime,
        transport,
        name: spec.name,
        args: spec.args,
        env: spec.env,
        preopens: spec.preopens,
        blockingAccept: spec.blockingAccept,
        stopGraceMs: spec.stopGraceMs,
        stdout: (bytes) => out.stdout.push(Buffer.from(bytes)),
        stderr: (bytes) => (out.stderr += decoder.decode(bytes, { stream: true })),
        signal: controller.signal,
      };
      const { exit, address } = spec.listen ? runListening(module, options) : { exit: run(module, options), address: noListener() };
      const timer = spec.stopAfterMs === undefined ? undefined : setTimeout(() => controller.abort(), spec.stopAfterMs);
      // Warnings are emitted on the next tick: the listener stays for one more.
      void exit.finally(() => setImmediate(() => process.off('warning', onWarning))).catch(() => {}).finally(() => clearTimeout(timer));
      return {
        exit,
        address,
        stop: () => controller.abort(),
        stdout: () => Buffer.concat(out.stdout).toString(),
        stdoutBytes: () => Buffer.concat(out.stdout),
        stderr: () => out.stderr,
        hostErrors: () => hostErrors,
      };
    },
  };
}

/** The CLI's own lines: one per listener first, and one last when the module did not exit. */
const LISTENING_LINE = /^listening on \S+\n/;
const CLI_LINE = /(?:^|\n)wasi-evloop: ([^\n]*)\n$/;

function cliRunner(runtime: RuntimeName): ModuleRunner {
  return {
    name: `cli ${runtime} kernel (starting thread)`,
    runtime,
    transport: 'kernel',
    start(module, spec = {}) {
      // Bytes become a file named as run() would call the module: the CLI names it by its file.
      const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-cli-run-'));
      let file: string;
      if (typeof module === 'string') {
        if (spec.name !== undefined) throw new Error('the CLI names a module by its file: give bytes to name it');
        file = module;
      } else {
        file = join(dir, spec.name ?? 'module.wasm');
        writeFileSync(file, module);
      }
      const args = ['run', file, '--runtime', runtime, '--transport', 'kernel'];
      if (spec.listen) args.push('--tcplisten', '127.0.0.1:0');
      if (spec.blockingAccept) args.push('--blocking-accept');
      if (spec.stopGraceMs !== undefined) args.push('--stop-grace', String(spec.stopGraceMs));
      for (const [k, v] of Object.entries(spec.env ?? {})) args.push('--env', `${k}=${v}`);
      for (const p of spec.preopens ?? []) args.push('--dir', p);
      args.push('--', ...(spec.args ?? []));
      const cli = startCli(args);
      const timer = spec.stopAfterMs === undefined ? undefined : setTimeout(() => cli.child.kill('SIGTERM'), spec.stopAfterMs);
      let stopped = false;
      const ended = cli.exited(60_000).finally(() => {
        clearTimeout(timer);
        rmSync(dir, { recursive: true, force: true });
      });
      const moduleName = file.split('/').pop()!;
      const exit = ended.then((result) => {
        const last = CLI_LINE.exec(result.stderr)?.[1];
        if (result.code === 134 && last?.startsWith(`${moduleName} trapped: `)) {
          throw new ModuleTrapError(moduleName, last.slice(`${moduleName} trapped: `.length));
        }
        const stoppedPrefix = `${moduleName} did not end when asked to stop; `;
        if (stopped && result.code === 143 && last?.startsWith(stoppedPrefix)) throw new ModuleStoppedError(moduleName, last.slice(stoppedPrefix.length));
        const loadPrefix = `cannot start ${moduleName}: `;
        if ((result.code === 1 || result.code === 2) && last?.startsWith(loadPrefix)) throw new ModuleLoadError(moduleName, last.slice(loadPrefix.length));
        if (result.code === null) throw new Error(`the CLI was killed by ${result.signal}: ${result.stderr}`);
        return result.code;
      });
      const moduleStderr = () => {
        let text = cli.stderr();
        while (LISTENING_LINE.test(text)) text = text.replace(LISTENING_LINE, '');
        return text.replace(CLI_LINE, (line) => (line.startsWith('\n') ? '\n' : ''));
      };
      const port = spec.listen
        ? cli.waitFor('stderr', /^listening on 127\.0\.0\.1:(\d+)\n/, LISTEN_MS).then(([, p]) => ({ host: '127.0.0.1', port: Number(p) }))
        : noListener();
      port.catch(() => {});
      return {
        exit,
        address: port,
        stop: () => {
          stopped = true;
          cli.child.kill('SIGTERM');
        },
        stdout: () => cli.stdout(),
        stdoutBytes: () => cli.stdoutBytes(),
        stderr: moduleStderr,
        hostErrors: () => cli.stderr().split('\n').filter((line) => line.includes('WasiEvloopHostError')),
      };
    },
  };
}

function noListener(): Promise<never> {
  const none = Promise.reject(new Error('the module has no listener'));
  none.catch(() => {});
  return none;
}

/**
 * run() over each of `transports` and every runtime, and (when the kernel
 * transport is among them) the CLI with the module on its starting thread,
 * for every runtime.
 */
export function moduleRunners(transports: readonly TransportName[] = TRANSPORTS): ModuleRunner[] {
  return [
    ...transports.flatMap((transport) => RUNTIMES.map((runtime) => apiRunner(runtime, transport))),
    ...(transports.includes('kernel') ? RUNTIMES.map(cliRunner) : []),
  ];
}
