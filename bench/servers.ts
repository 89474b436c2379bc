// The servers under test: how to start each kind, know it is listening,
// read its memory, and stop it so that no process outlives the run. Two
// programs: the C core's echo (RFC 862) and the HTTP server written as third
// parties write them (c/http_mio.c), each natively and as wasm.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { TRANSPORTS, transportUnavailable, type TransportName } from '../ts/transport/kinds.js';
import { otherJsRuntimeKinds } from './js-runtime-servers.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fromRoot = (path: string): string => repoRoot + path;

export type Backend = 'select' | 'poll' | 'epoll';
export const backends: readonly Backend[] = ['select', 'poll', 'epoll'];
export type Runtime = 'wasm' | 'native' | 'node';
/** What a server speaks: the cases it can take are the ones of its program. */
export type Program = 'echo' | 'http';

// select()'s fd_set holds FD_SETSIZE descriptors, under wasi-libc and glibc alike.
const FD_SETSIZE = 1024;

/** Settings a harness may give a server on its command line; each kind says which it takes. */
export interface ServeOptions {
  /** The core's --stall-timeout: drop a peer that stopped reading after this many ms. */
  stallTimeoutMs?: number;
  /** `wasi-evloop serve --transport`: where the wasm server's bytes live. */
  transport?: string;
}
const serveOptionFlags: Record<keyof ServeOptions, string> = {
  stallTimeoutMs: '--stall-timeout',
  transport: '--transport',
};

export interface ServerKind {
  name: string;
  program: Program;
  runtime: Runtime;
  backend?: Backend;
  /** wasm: the transport it always uses; absent when `--transport` (or the default) decides. */
  transport?: TransportName;
  /** Descriptors the server can hold by design; beyond it refusing is correct, not a failure. */
  fdCap?: number;
  /** The ServeOptions its command understands; startServer refuses any other. */
  takes: readonly (keyof ServeOptions)[];
  /** The reason this kind cannot run on this checkout, or null when it can. */
  unavailableReason(): Promise<string | null>;
  command(port: number): { file: string; args: string[] };
  /** Where its `listening on HOST:PORT` line comes: `wasi-evloop run` says it on stderr. */
  listeningOn: 'stdout' | 'stderr';
  /** A wasm module whose compile + instantiate time is measured on its own. */
  wasmModule?: string;
  /** The JavaScript runtime that runs it when not this Node ('deno', 'node24': js-runtime-servers.ts). */
  jsRuntime?: string;
}

/** The CLI as users start it (`npx wasi-evloop`): whatever it loads, the bench measures that. */
const CLI = 'bin/wasi-evloop.js';

function missingFile(path: string, hint: string): string | null {
  if (!existsSync(fromRoot(path))) return `${path} is missing (${hint})`;
  return null;
}

function notExecutable(path: string, hint: string): string | null {
  const missing = missingFile(path, hint);
  if (missing) return missing;
  try {
    accessSync(fromRoot(path), constants.X_OK);
    return null;
  } catch {
    return `${path} is not executable (${hint})`;
  }
}

/** `wasm-B-T` always runs over transport T; plain `wasm-B` takes `--transport` or the default. */
function wasmKind(backend: Backend, transport?: TransportName): ServerKind {
  const wasm = `wasm/echo-${backend}.wasm`;
  return {
    name: transport ? `wasm-${backend}-${transport}` : `wasm-${backend}`,
    program: 'echo',
    runtime: 'wasm',
    backend,
    transport,
    fdCap: backend === 'select' ? FD_SETSIZE : undefined,
    takes: transport ? ['stallTimeoutMs'] : ['stallTimeoutMs', 'transport'],
    wasmModule: wasm,
    unavailableReason: async () => {
      const missing = missingFile(wasm, 'run make') ?? missingFile('dist/ts/cli.js', 'run npx tsc -p .');
      if (missing || !transport) return missing;
      const why = await transportUnavailable(transport);
      return why && `the ${transport} transport is unavailable: ${why}`;
    },
    command: (port) => ({
      file: process.execPath,
      args: [
        fromRoot(CLI), 'serve', '--backend', backend, '--host', '127.0.0.1', '--port', String(port),
        ...(transport ? ['--transport', transport] : []),
      ],
    }),
    listeningOn: 'stdout',
  };
}

function nativeKind(backend: Backend): ServerKind {
  const binary = `build/echo-${backend}`;
  return {
    name: `native-${backend}`,
    program: 'echo',
    runtime: 'native',
    backend,
    fdCap: backend === 'select' ? FD_SETSIZE : undefined,
    takes: ['stallTimeoutMs'],
    unavailableReason: async () => notExecutable(binary, 'run make native'),
    command: (port) => ({ file: fromRoot(binary), args: ['--listen', `127.0.0.1:${port}`] }),
    listeningOn: 'stdout',
  };
}

/** Node's own `net` echo server: named apart from the node-net transport, which is a way to run the wasm core. */
function nodeEchoKind(): ServerKind {
  return {
    name: 'node-echo',
    program: 'echo',
    runtime: 'node',
    takes: [],
    unavailableReason: async () => missingFile('dist/bench/node-echo.js', 'run npx tsc -p .'),
    command: (port) => ({
      file: process.execPath,
      args: [fromRoot('dist/bench/node-echo.js'), '--host', '127.0.0.1', '--port', String(port)],
    }),
    listeningOn: 'stdout',
  };
}

const HTTP_WASM = 'wasm/http-mio.wasm';

/** The HTTP server as wasm, started the way a user starts a WASI program: `wasi-evloop run --tcplisten`. */
function httpWasmKind(transport: TransportName): ServerKind {
  return {
    name: `http-wasm-${transport}`,
    program: 'http',
    runtime: 'wasm',
    transport,
    takes: [],
    wasmModule: HTTP_WASM,
    unavailableReason: async () => {
      const missing = missingFile(HTTP_WASM, 'run make') ?? missingFile('dist/ts/cli.js', 'run npx tsc -p .');
      if (missing) return missing;
      const why = await transportUnavailable(transport);
      return why && `the ${transport} transport is unavailable: ${why}`;
    },
    command: (port) => ({
      file: process.execPath,
      args: [fromRoot(CLI), 'run', '--transport', transport, '--tcplisten', `127.0.0.1:${port}`, fromRoot(HTTP_WASM)],
    }),
    listeningOn: 'stderr',
  };
}

/** The same HTTP server built natively: the reference for its wasm runs. */
function httpNativeKind(): ServerKind {
  const binary = 'build/http-mio';
  return {
    name: 'http-native',
    program: 'http',
    runtime: 'native',
    takes: [],
    unavailableReason: async () => notExecutable(binary, 'run make native'),
    command: (port) => ({ file: fromRoot(binary), args: ['--listen', `127.0.0.1:${port}`] }),
    listeningOn: 'stdout',
  };
}

/** Every server kind the harnesses know. */
export function allServerKinds(): ServerKind[] {
  const kinds = [
    ...backends.map((backend) => wasmKind(backend)),
    ...backends.flatMap((backend) => TRANSPORTS.map((transport) => wasmKind(backend, transport))),
    ...backends.map(nativeKind),
    nodeEchoKind(),
    ...TRANSPORTS.map(httpWasmKind),
    httpNativeKind(),
  ];
  return [...kinds, ...otherJsRuntimeKinds(kinds)];
}

/** What `npm run bench` measures by default: every kind once (plain `wasm-B` is one of the `wasm-B-T` under another name; the other JavaScript runtimes' kinds only when named). */
export function benchServerKinds(): ServerKind[] {
  return allServerKinds().filter((kind) => (kind.runtime !== 'wasm' || kind.transport !== undefined) && kind.jsRuntime === undefined);
}

/** A wasm server's native build: the same program (and backend), natively. */
export function nativeKindOf<T extends { runtime: Runtime; program: Program; backend?: string }>(kind: T, all: readonly T[]): T | undefined {
  return kind.runtime === 'wasm' ? all.find((n) => n.runtime === 'native' && n.program === kind.program && n.backend === kind.backend) : undefined;
}

/** A port that was free a moment ago: the kernel picks it, we release it for the server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Prefix that pins a command to one CPU, or nothing on a single-core machine. */
export type Pinning = { server: string[]; loadgen: string[] };

export class ServerStartError extends Error {}

export interface RunningServer {
  pid: number;
  port: number;
  /** process.hrtime.bigint() just before the spawn. */
  spawnedAt: bigint;
  /** Spawn to the `listening on` line, in milliseconds. */
  startupMs: number;
  /** The first stdout line, for the record. */
  listeningLine: string;
  stderrTail(): string;
  exited(): { code: number | null; signal: NodeJS.Signals | null } | null;
  peakRssKb(): number | null;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; graceful: boolean }>;
}

// Every child we start, so an exit on error or Ctrl-C can still end them.
const live = new Set<ChildProcess>();

/** Registers a child to be killed by killAllChildren until it exits. */
export function track(child: ChildProcess): void {
  live.add(child);
  child.on('exit', () => live.delete(child));
}

export function killAllChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

const STDERR_KEEP = 4096;
const LISTENING = /^listening on (\S+):(\d+)/;

/** The command-line flags for `options`; throws naming any option `kind` does not take. */
function optionArgs(kind: ServerKind, options: ServeOptions): string[] {
  const args: string[] = [];
  for (const key of Object.keys(options) as (keyof ServeOptions)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!kind.takes.includes(key)) {
      const takes = kind.takes.map((k) => serveOptionFlags[k]).join(', ') || 'none';
      throw new ServerStartError(`${kind.name} does not take ${serveOptionFlags[key]} (it takes: ${takes})`);
    }
    args.push(serveOptionFlags[key], String(value));
  }
  return args;
}

export async function startServer(
  kind: ServerKind,
  pin: string[],
  listenTimeoutMs: number,
  options: ServeOptions = {},
): Promise<RunningServer> {
  const extra = optionArgs(kind, options);
  const port = await freePort();
  const { file, args } = kind.command(port);
  const argv = [...pin, file, ...args, ...extra];
  const started = process.hrtime.bigint();
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
  });
  const tail = (): string => stderr.trim().split('\n').slice(-5).join(' | ');

  const line = await new Promise<string>((resolve, reject) => {
    let said = '';
    const timer = setTimeout(() => fail(`no "listening on" line within ${listenTimeoutMs} ms`), listenTimeoutMs);
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(new ServerStartError(`${why}${stderr ? `; stderr: ${tail()}` : ''}`));
    };
    child.on('error', (err) => fail(`could not spawn ${argv.join(' ')}: ${err.message}`));
    child.on('exit', (code, signal) => fail(`exited before listening (code ${code}, signal ${signal})`));
    const stream = kind.listeningOn === 'stdout' ? child.stdout! : child.stderr!;
    const listener = (chunk: string) => {
      said += chunk;
      const first = said.split('\n')[0];
      if (!said.includes('\n')) return;
      clearTimeout(timer);
      const match = LISTENING.exec(first);
      if (!match) fail(`first ${kind.listeningOn} line is not "listening on HOST:PORT": ${JSON.stringify(first)}`);
      else if (Number(match[2]) !== port) fail(`asked for port ${port}, server says ${first}`);
      else resolve(first);
      stream.off('data', listener);
    };
    stream.on('data', listener);
    // Anything else it prints on stdout is not ours to parse; keep the pipe drained.
    child.stdout!.setEncoding('utf8').resume();
  }).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    await exitPromise;
    throw err;
  });
  const startupMs = Number(process.hrtime.bigint() - started) / 1e6;

  return {
    pid: child.pid!,
    port,
    spawnedAt: started,
    startupMs,
    listeningLine: line,
    stderrTail: tail,
    exited: () => exit,
    peakRssKb: () => {
      try {
        const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return match ? Number(match[1]) : null;
      } catch {
        return null;
      }
    },
    stop: async () => {
      if (exit) return { ...(exit as { code: number | null; signal: NodeJS.Signals | null }), graceful: false };
      child.kill('SIGTERM');
      const graceful = await Promise.race([
        exitPromise.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 5000).unref()),
      ]);
      if (!graceful) {
        child.kill('SIGKILL');
        await exitPromise;
      }
      const final = exit as unknown as { code: number | null; signal: NodeJS.Signals | null };
      return { ...final, graceful: graceful && final.code === 0 };
    },
  };
}
