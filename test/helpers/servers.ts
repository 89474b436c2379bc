// The echo servers under test and how to start them. kinds.ts lists them all:
// every behaviour test runs over each kind that supports it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withTimeout } from './echo-client.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const BACKENDS = ['select', 'poll', 'epoll'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface ServerOptions {
  maxConns?: number;
  maxPending?: number;
  stallTimeoutMs?: number;
  verbose?: boolean;
  /** Soft and hard RLIMIT_NOFILE for the server process (kinds with `process`). */
  fdLimit?: number;
}

export interface Stats {
  accepted: number;
  refused: number;
  closed: number;
  bytes_in: number;
  bytes_out: number;
  dropped: number;
}

export interface EchoServer {
  port: number;
  /** The server's own process, when it has one: RSS and CPU can be read. */
  pid?: number;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Stops the server gracefully and returns its exit summary. */
  stop(): Promise<{ code: number | null; stats?: Stats }>;
}

export interface ServerKind {
  name: string;
  backend: Backend;
  /** Runs as its own OS process, so fd limits, RSS and CPU apply to it alone. */
  process: boolean;
  /** The C core built natively: no JavaScript heap or runtime of its own. */
  native: boolean;
  /** Where a wasm server's sockets live ('kernel' | 'node-net'); none for native servers. */
  transport?: string;
  start(options?: ServerOptions): Promise<EchoServer>;
}

export function parseStats(text: string): Stats | undefined {
  const line = text.split('\n').reverse().find((l) => l.startsWith('stats: '));
  if (!line) return undefined;
  const v = (k: keyof Stats) => Number(new RegExp(`\\b${k}=(\\d+)`).exec(line)?.[1] ?? NaN);
  return {
    accepted: v('accepted'), refused: v('refused'), closed: v('closed'),
    bytes_in: v('bytes_in'), bytes_out: v('bytes_out'), dropped: v('dropped'),
  };
}

export function coreArgs(o: ServerOptions): string[] {
  const args: string[] = [];
  if (o.maxConns !== undefined) args.push('--max-conns', String(o.maxConns));
  if (o.maxPending !== undefined) args.push('--max-pending', String(o.maxPending));
  if (o.stallTimeoutMs !== undefined) args.push('--stall-timeout', String(o.stallTimeoutMs));
  if (o.verbose) args.push('--verbose');
  return args;
}

/** Starts a process that prints `listening on HOST:PORT` on stdout when ready. */
export async function startListeningProcess(cmd: string, args: string[], fdLimit?: number): Promise<EchoServer> {
  const child: ChildProcess = fdLimit === undefined
    ? spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('bash', ['-c', `ulimit -n ${fdLimit} && exec "$@"`, 'server', cmd, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr!.on('data', (c) => { err += c; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await withTimeout(`${cmd} to listen`, 15000, new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /listening on \S+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    exited.then((code) => reject(new Error(`${cmd} exited (${code}) before listening: ${err}`)));
  }));
  return {
    port,
    pid: child.pid,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await withTimeout(`${cmd} to exit`, 10000, exited).catch((e) => {
        child.kill('SIGKILL');
        throw e;
      });
      return { code, stats: parseStats(err) };
    },
  };
}

export function nativeKind(backend: Backend): ServerKind {
  return {
    name: `native ${backend}`,
    backend,
    process: true,
    native: true,
    start: (o = {}) => startListeningProcess(`${REPO}build/echo-${backend}`,
      ['--listen', '127.0.0.1:0', ...coreArgs(o)], o.fdLimit),
  };
}


/** Resident set and CPU time of a process, from /proc (Linux). */
export function procStats(pid: number): { rssKiB: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return { rssKiB, cpuMs: (ticks * 1000) / 100 };
}
