// The wasm client against the native one, on the same server: the load
// generator written in the repository's C (c/echo_client.c) compiled to wasm
// and run by `wasi-evloop run` (its sockets opened through WASIX, on the
// kernel transport), against bench/loadgen.c natively, both driving the
// native epoll echo server with the rr load (50 × 64 B). Each round starts
// one server and runs both clients on it, in alternating order; each client
// is pinned where the load generator is, the server where servers are.
//
// Besides req/s, each run has the client's own CPU time per request, over
// the measured window only (the harness reads /proc/PID/stat at its start
// and end: the wasm client marks them on stderr, --mark-window, since its
// start-up time varies; the native load generator's window starts its
// warm-up after connecting, which takes it milliseconds, so it is timed from
// the spawn): it says what one request costs the client, which a shared
// machine's load moves much less than req/s.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadgenBinary, loadgenArgs, loadgenTimeLimitS, type LoadgenResult, type LoadSpec } from './loadgen.js';
import { integer, type Table } from './report.js';
import { allServerKinds, repoRoot, startServer, track, type Pinning } from './servers.js';

export const CLIENT_CASE = 'client';
export const CLIENT_SERVER = 'native-epoll';
export const WASM_CLIENT = 'wasm/echo-client.wasm';

export type ClientName = 'native loadgen' | 'wasm client';

export interface ClientRun {
  client: ClientName;
  round: number;
  ok: boolean;
  reason?: string;
  req_per_s?: number;
  p50_us?: number;
  p99_us?: number;
  /** The client process's CPU (all threads) per request in the window, in µs. */
  cpu_us_per_req?: number;
}

/** utime + stime of a process (all its threads), in seconds, or null once it is gone. */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of proc(5), counted from 1; `fields` starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

function clientCommand(client: ClientName, spec: LoadSpec, port: number, serverPid: number): string[] {
  if (client === 'native loadgen') return [loadgenBinary, ...loadgenArgs(spec, port, serverPid)];
  return [
    process.execPath, repoRoot + 'dist/ts/cli.js', 'run', repoRoot + WASM_CLIENT, '--transport', 'kernel',
    '--allow-connect', `127.0.0.1:${port}`, '--',
    '--port', String(port), '--conns', String(spec.conns), '--size', String(spec.size),
    '--warmup', String(spec.warmupS), '--duration', String(spec.durationS), '--connect-budget', String(spec.connectBudgetS), '--mark-window',
  ];
}

function runClient(client: ClientName, spec: LoadSpec, port: number, serverPid: number, pin: string[], round: number): Promise<ClientRun> {
  const argv = [...pin, ...clientCommand(client, spec, port, serverPid)];
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let stdout = '';
    let stderr = '';
    let cpuStart: number | null = null;
    let cpuEnd: number | null = null;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (cpuStart === null && stderr.includes('window start\n')) cpuStart = cpuSeconds(child.pid!);
      if (cpuEnd === null && stderr.includes('window end\n')) cpuEnd = cpuSeconds(child.pid!);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), loadgenTimeLimitS(spec) * 1000);
    const timed: NodeJS.Timeout[] =
      client === 'native loadgen'
        ? [
            setTimeout(() => (cpuStart = cpuSeconds(child.pid!)), spec.warmupS * 1000),
            setTimeout(() => (cpuEnd = cpuSeconds(child.pid!)), (spec.warmupS + spec.durationS) * 1000),
          ]
        : [];
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const t of timed) clearTimeout(t);
      const line = stdout.trim().split('\n').pop() ?? '';
      let result: LoadgenResult;
      try {
        result = JSON.parse(line) as LoadgenResult;
      } catch {
        resolve({ client, round, ok: false, reason: `ended (code ${code}, signal ${signal}) without a JSON line; stderr: ${stderr.trim().slice(-300)}` });
        return;
      }
      const requests = result.requests ?? 0;
      const cpu = cpuStart !== null && cpuEnd !== null && requests > 0 ? ((cpuEnd - cpuStart) / requests) * 1e6 : undefined;
      resolve({
        client,
        round,
        ok: result.ok && code === 0,
        reason: result.ok ? undefined : (result.error ?? `a check failed: ${line}`),
        req_per_s: result.req_per_s,
        p50_us: result.p50_us,
        p99_us: result.p99_us,
        cpu_us_per_req: cpu,
      });
    });
  });
}

/** One round: a fresh native epoll server, both clients on it (order alternating by round). */
export async function measureClients(spec: LoadSpec, round: number, pinning: Pinning): Promise<ClientRun[]> {
  const kind = allServerKinds().find((k) => k.name === CLIENT_SERVER)!;
  const server = await startServer(kind, pinning.server, 10_000);
  try {
    const order: ClientName[] = round % 2 === 1 ? ['native loadgen', 'wasm client'] : ['wasm client', 'native loadgen'];
    const runs: ClientRun[] = [];
    for (const client of order) runs.push(await runClient(client, spec, server.port, server.pid, pinning.loadgen, round));
    return runs;
  } finally {
    await server.stop();
  }
}

const median = (values: number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The median of one client's `field` over the session's runs that worked. */
export function clientMedian(runs: readonly ClientRun[], client: ClientName, field: 'req_per_s' | 'p50_us' | 'p99_us' | 'cpu_us_per_req'): number | undefined {
  return median(runs.filter((r) => r.client === client && r.ok && r[field] !== undefined).map((r) => r[field]!));
}

/** The row of the target: the wasm client's rr rate as a share of the native load generator's, medians of the session. */
export function clientTable(runs: ClientRun[]): Table {
  const of = (client: ClientName, field: 'req_per_s' | 'p50_us' | 'p99_us' | 'cpu_us_per_req') => clientMedian(runs, client, field);
  const native = of('native loadgen', 'req_per_s');
  const rows = (['native loadgen', 'wasm client'] as const).map((client) => {
    const rate = of(client, 'req_per_s');
    const failed = runs.filter((r) => r.client === client && !r.ok);
    const cpu = of(client, 'cpu_us_per_req');
    return [
      client === 'wasm client' ? `wasm client (${WASM_CLIENT}, kernel transport)` : 'native C loadgen (bench/loadgen.c)',
      rate === undefined ? 'failed' : integer(rate),
      rate !== undefined && native !== undefined ? `${(rate / native).toFixed(2)}×` : '',
      of(client, 'p50_us')?.toFixed(0) ?? '',
      of(client, 'p99_us')?.toFixed(0) ?? '',
      cpu === undefined ? 'n/a' : cpu.toFixed(2),
      failed.length ? `${failed.length} failed: ${failed[0]!.reason}` : '',
    ];
  });
  return {
    title: `wasm client vs native C loadgen against the native epoll echo server (rr: 50 × 64 B; target ≥ 0.8×)`,
    headers: ['client', 'req/s', 'vs native', 'p50 µs', 'p99 µs', 'client CPU µs/req', 'failures'],
    rows,
  };
}
