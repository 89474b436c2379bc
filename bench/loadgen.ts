// Builds and drives bench/loadgen.c. Its JSON line is the one source of every
// throughput, latency and correctness number in the report.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { repoRoot, track } from './servers.js';

const source = repoRoot + 'bench/loadgen.c';
export const loadgenBinary = repoRoot + 'build/loadgen';

export function compilerVersion(): string {
  return execFileSync('cc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
}

/** Compiles the load generator unless an up-to-date binary is already there. */
export function buildLoadgen(): void {
  const fresh = (() => {
    try {
      return statSync(loadgenBinary).mtimeMs >= statSync(source).mtimeMs;
    } catch {
      return false;
    }
  })();
  if (fresh) return;
  mkdirSync(repoRoot + 'build', { recursive: true });
  try {
    execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-o', loadgenBinary, source], {
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 120_000,
    });
  } catch (err) {
    throw new Error(`cannot build the load generator with cc: ${(err as Error).message}`, { cause: err });
  }
}

export type Mode = 'rr' | 'stream' | 'scale' | 'setup' | 'http';

export interface FailureCounts {
  connect: number;
  eof: number;
  reset: number;
  io: number;
  mismatch: number;
}

export interface PingResult {
  ok: number;
  failed: number;
  timed_out: number;
  s: number;
}

/** Exactly what loadgen.c prints; optional fields depend on the mode. */
export interface LoadgenResult {
  ok: boolean;
  error?: string;
  mode: Mode;
  conns: number;
  size: number;
  window_s: number;
  active_open: number;
  active_alive: number;
  requests?: number;
  req_per_s?: number;
  p50_us?: number;
  p90_us?: number;
  p99_us?: number;
  max_us?: number;
  bytes?: number;
  mb_per_s?: number;
  idle?: number;
  idle_open?: number;
  idle_connect_s?: number;
  /** scale: opening the idle connections and one echo on each (the shared load generator's idle_setup_ms). */
  idle_setup_s?: number;
  idle_ping_before?: PingResult;
  idle_ping_after?: PingResult;
  idle_failures?: FailureCounts;
  active_failures: FailureCounts;
  /** setup: first connect → last echo of the one ping on each connection. */
  setup_s?: number;
  connect_s?: number;
  ping_s?: number;
  answered?: PingResult;
  /** setup, scale: the namespace's TcpExt ListenOverflows while connecting (any server's, so ours at most). */
  listen_overflows?: number;
  first_mismatch?: { conn: number; offset: number; got: number; expected: number | null };
  server_cpu_pct?: number;
  /** The server's CPU in the window, all threads (ended ones too), user and system apart. */
  server_user_s?: number;
  server_sys_s?: number;
  /** Each server thread that ran in the window (tid, the kernel's thread name, its CPU). */
  server_threads?: { tid: number; comm: string; user_s: number; sys_s: number }[];
  /** Voluntary context switches of all server threads in the window: sleeps ended by a wake-up. */
  server_wakeups?: number;
  server_preemptions?: number;
  /** Seconds the server's threads spent runnable but waiting for a CPU in the window (schedstat run_delay, all threads). */
  server_run_delay_s?: number;
  /** No request was answered in the window: where the outstanding requests were at its end (loadgen.c says how to read it). */
  empty_window?: EmptyWindow;
  /** Seconds the load generator itself waited for a CPU in the window (a client that did not run sends nothing). */
  loadgen_run_delay_s?: number;
  loadgen_cpu_pct: number;
}

export interface EmptyWindow {
  /** How long the oldest outstanding request had waited. */
  oldest_s: number;
  /** Requests the server's kernel had not acknowledged (still on the way: the network path) and ones it had (queued for the server). */
  unacked: number;
  acked: number;
  retransmits: number;
  max_backoff: number;
  /** Each server thread as its state and system call number, e.g. "S232 S202 R". */
  server_threads: string;
  /** Machine-wide during the run: loopback packets dropped for a full backlog, TCP segments retransmitted (-1: unreadable). */
  softnet_dropped: number;
  tcp_retrans_segs: number;
}

export interface LoadSpec {
  mode: Mode;
  conns: number;
  size: number;
  idle?: number;
  warmupS: number;
  durationS: number;
  connectBudgetS: number;
  pingBudgetS: number;
  /** http: the response every request must get, exactly. */
  expect?: string;
}

export function loadgenArgs(spec: LoadSpec, port: number, serverPid: number): string[] {
  const args = [
    '--host', '127.0.0.1', '--port', String(port), '--mode', spec.mode,
    '--conns', String(spec.conns), '--size', String(spec.size),
    '--warmup', String(spec.warmupS), '--duration', String(spec.durationS),
    '--connect-budget', String(spec.connectBudgetS), '--ping-budget', String(spec.pingBudgetS),
    '--server-pid', String(serverPid),
  ];
  if (spec.idle !== undefined) args.push('--idle', String(spec.idle));
  // loadgen decodes \\, \r and \n: a response passes whatever bytes it holds.
  if (spec.expect !== undefined) args.push('--expect', spec.expect.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n'));
  return args;
}

/** Longest a loadgen run may take before the harness kills it (its own alarm should fire first). */
export function loadgenTimeLimitS(spec: LoadSpec): number {
  return spec.connectBudgetS * 2 + spec.pingBudgetS * 2 + spec.warmupS + spec.durationS + 45;
}

export function runLoadgen(spec: LoadSpec, port: number, serverPid: number, pin: string[]): Promise<LoadgenResult> {
  const argv = [...pin, loadgenBinary, ...loadgenArgs(spec, port, serverPid)];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const limitMs = loadgenTimeLimitS(spec) * 1000;
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run the load generator: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      let parsed: LoadgenResult;
      try {
        parsed = JSON.parse(line) as LoadgenResult;
      } catch {
        reject(new Error(`load generator ended (code ${code}, signal ${signal}) without a JSON line; stderr: ${stderr.trim()}`));
        return;
      }
      if (code === 2 || parsed.error) {
        reject(new Error(`load generator could not run: ${parsed.error ?? stderr.trim()}`));
        return;
      }
      resolve(parsed);
    });
  });
}
