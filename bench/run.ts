// npm run bench [-- --quick] : every server kind × every case of its program
// (echo, HTTP), interleaved rounds, one fresh server process per measurement,
// and run()'s cost for a module that exits at once. Prints the tables, writes
// results JSON, a Markdown table and an SVG chart. Exits non-zero if any
// server in the plan could not start, crashed, or answered wrong bytes.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { CLIENT_CASE, CLIENT_SERVER, clientTable, measureClients, type ClientRun } from './clients.js';
import { timeFirstEcho } from './first-echo.js';
import { HELLO_RESPONSE } from './http-hello.js';
import { buildLoadgen, compilerVersion, runLoadgen, type EmptyWindow, type LoadSpec } from './loadgen.js';
import {
  caseTables,
  loadText,
  renderMarkdown,
  renderText,
  runExitTable,
  scaleChartSvg,
  startupTable,
  summarize,
  summarizeRunExit,
  type CaseDef,
  type MachineInfo,
  type RunExitRound,
  type RunRecord,
  type WasmStartup,
} from './report.js';
import { targetTable } from './targets.js';
import {
  allServerKinds,
  benchServerKinds,
  killAllChildren,
  repoRoot,
  ServerStartError,
  startServer,
  track,
  type Pinning,
  type RunningServer,
  type ServerKind,
} from './servers.js';

interface Options {
  quick: boolean;
  rounds?: number;
  duration?: number;
  warmup?: number;
  idle?: number[];
  setup?: number;
  servers?: string[];
  cases?: string[];
  out?: string;
}

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};
const seconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 600) throw new InvalidArgumentError('must be seconds in [0, 600]');
  return n;
};
const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);
const intList = (value: string): number[] =>
  list(value).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${s} is not a connection count`);
    return n;
  });

// Every case but run-exit measures servers; run-exit measures run() itself.
const RUN_EXIT = 'run-exit';
const HTTP_IDLE = 100;
const HTTP_CASE_IDS = `http-20, http-500, http-idle-${HTTP_IDLE}`;

const program = new Command()
  .name('npm run bench --')
  .description('Echo benchmark: wasm core on Node vs the same core native vs node:net')
  .option('--quick', 'smoke run: every case about 1 s, 1 round, fewer idle connections', false)
  .option('--rounds <n>', 'interleaved rounds (default 3, quick 1)', positiveInt)
  .option('--duration <s>', 'measured seconds per case (default 4, quick 0.75)', seconds)
  .option('--warmup <s>', 'unmeasured seconds before each case (default 1, quick 0.25)', seconds)
  .option('--idle <list>', 'idle connection counts for the scale cases (default 1000,5000,10000; quick 2000)', intList)
  .option('--setup <n>', 'connections the setup case opens, each answered once (default 5000, quick 1000)', positiveInt)
  .option('--servers <list>', `only these server kinds (default: all but the plain wasm-B ones; known: ${allServerKinds().map((k) => k.name).join(', ')})`, list)
  .option('--cases <list>', `only these cases (rr, stream, scale-N, setup-N, ${HTTP_CASE_IDS}, ${RUN_EXIT}, ${CLIENT_CASE}: the wasm client vs the native one)`, list)
  .option('--out <dir>', 'where results go (default bench/results, quick build/bench-quick)')
  .showHelpAfterError();
program.parse();
const opts = program.opts<Options>();

const rounds = opts.rounds ?? (opts.quick ? 1 : 3);
const durationS = opts.duration ?? (opts.quick ? 0.75 : 4);
const warmupS = opts.warmup ?? (opts.quick ? 0.25 : 1);
// Quick: one count past select's FD_SETSIZE, so the capped path is checked too.
const idleCounts = opts.idle ?? (opts.quick ? [2000] : [1000, 5000, 10000]);
const setupCount = opts.setup ?? (opts.quick ? 1000 : 5000);
// A quick run is a smoke check: it must not replace the committed results.
const outDir = opts.out ?? (opts.quick ? 'build/bench-quick' : 'bench/results');
const budgets = { connectBudgetS: opts.quick ? 10 : 30, pingBudgetS: 10 };

const load = (spec: Omit<LoadSpec, 'warmupS' | 'durationS' | 'connectBudgetS' | 'pingBudgetS'>): LoadSpec => ({
  ...spec,
  warmupS,
  durationS,
  ...budgets,
});
const http = (conns: number, idle?: number) =>
  load({ mode: 'http', conns, size: HELLO_RESPONSE.length, expect: HELLO_RESPONSE, ...(idle === undefined ? {} : { idle }) });
const allCases: CaseDef[] = [
  { id: 'rr', program: 'echo', title: '50 connections × 64 B ping-pong', metric: 'req_per_s', spec: load({ mode: 'rr', conns: 50, size: 64 }) },
  { id: 'stream', program: 'echo', title: '10 connections × 16 KiB messages, echoed', metric: 'mb_per_s', spec: load({ mode: 'stream', conns: 10, size: 16384 }) },
  ...idleCounts.map(
    (idle): CaseDef => ({
      id: `scale-${idle}`,
      program: 'echo',
      title: `10 active connections × 64 B ping-pong while ${idle} idle ones are held`,
      metric: 'req_per_s',
      spec: load({ mode: 'scale', conns: 10, size: 64, idle }),
    }),
  ),
  {
    id: `setup-${setupCount}`,
    program: 'echo',
    title: `${setupCount} connections opened, each answered once (8 B), seconds from the first connect to the last echo`,
    metric: 'setup_s',
    spec: load({ mode: 'setup', conns: setupCount, size: 8 }),
  },
  ...[20, 500].map(
    (conns): CaseDef => ({
      id: `http-${conns}`,
      program: 'http',
      title: `${conns} keep-alive connections, each GET → whole response (checked) → next GET`,
      metric: 'req_per_s',
      spec: http(conns),
    }),
  ),
  {
    id: `http-idle-${HTTP_IDLE}`,
    program: 'http',
    title: `${HTTP_IDLE} idle keep-alive connections held (each answered before and after), no other load: the server's CPU (the mio pattern polls busily by design)`,
    metric: 'server_cpu_pct',
    spec: http(0, HTTP_IDLE),
  },
];

function select<T extends { name?: string; id?: string }>(all: T[], wanted: string[] | undefined, what: string): T[] {
  if (!wanted) return all;
  const key = (x: T): string => (x.name ?? x.id)!;
  const unknown = wanted.filter((w) => !all.some((x) => key(x) === w));
  if (unknown.length) {
    console.error(`unknown ${what}: ${unknown.join(', ')} (known: ${all.map(key).join(', ')})`);
    process.exit(2);
  }
  return all.filter((x) => wanted.includes(key(x)));
}
const kinds = opts.servers ? select(allServerKinds(), opts.servers, 'server') : benchServerKinds();
const measureRunExit = !opts.cases || opts.cases.includes(RUN_EXIT);
// The client case: the wasm load generator against the native one, on the native epoll server with the rr load.
const withClients = (opts.cases === undefined || opts.cases.includes(CLIENT_CASE)) && (opts.servers === undefined || opts.servers.includes(CLIENT_SERVER));
const cases = select(allCases, opts.cases?.filter((id) => id !== RUN_EXIT && id !== CLIENT_CASE), 'case');

// Servers get CPU 1 and the load generator CPU 0, so neither steals the other's core.
const pinning: Pinning =
  os.availableParallelism() >= 2 ? { server: ['taskset', '-c', '1'], loadgen: ['taskset', '-c', '0'] } : { server: [], loadgen: [] };

// ---------- cleanup: no process may outlive the run ----------

process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAllChildren();
    process.stderr.write(`\nbench: stopped by ${signal}\n`);
    process.exit(130);
  });
}

// ---------- progress ----------

interface Progress {
  step(label: string): void;
  note(message: string): void;
  done(): void;
}

function progressBar(total: number): Progress {
  if (process.stderr.isTTY) {
    const bars = new cliProgress.MultiBar(
      {
        format: 'bench [{bar}] {value}/{total} runs, {eta_formatted} left  {label}',
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    const bar = bars.create(total, 0, { label: 'starting' });
    return {
      step: (label) => bar.increment(1, { label }),
      // MultiBar.log prints above the bar without tearing it.
      note: (message) => bars.log(`${message}\n`),
      done: () => bars.stop(),
    };
  }
  // CI logs: one plain line per run instead of redrawn bars.
  let done = 0;
  return {
    step: (label) => process.stderr.write(`bench ${++done}/${total} ${label}\n`),
    note: (message) => process.stderr.write(`${message}\n`),
    done: () => {},
  };
}

// ---------- one measurement ----------

/**
 * A server that held `held` of the `asked` connections and refused the rest:
 * for select past FD_SETSIZE that is the design (capped) when it held about as
 * many as the cap allows; for any other server it is a failure.
 */
function refusedPastCap(kind: ServerKind, record: RunRecord, asked: number, held: number, explanation: string): void {
  const cap = kind.fdCap;
  const fdsKeptByServer = 64;
  if (cap !== undefined && asked > cap - fdsKeptByServer && held >= cap - fdsKeptByServer) {
    record.status = 'capped';
    record.reason = explanation;
  } else {
    record.status = 'failed';
    record.reason = cap === undefined ? `${explanation} (${kind.name} has no fd cap)` : explanation;
  }
}

function classify(kind: ServerKind, c: CaseDef, record: RunRecord): void {
  const lg = record.loadgen!;
  const mismatch = lg.active_failures.mismatch + (lg.idle_failures?.mismatch ?? 0);
  if (mismatch > 0) {
    const m = lg.first_mismatch;
    record.status = 'failed';
    record.reason = `wrong bytes echoed (${mismatch} connections; first at conn ${m?.conn} offset ${m?.offset}: got ${m?.got}, expected ${m?.expected ?? 'nothing'})`;
    return;
  }
  if (lg.ok) {
    record.status = 'ok';
    return;
  }
  const idle = c.spec.idle ?? 0;
  const before = lg.idle_ping_before;
  const after = lg.idle_ping_after;
  if (idle > 0 && before && after && before.ok < idle && before.timed_out === 0) {
    if (after.ok < before.ok) {
      record.status = 'failed';
      record.reason = `${before.ok} idle connections answered before the run, only ${after.ok} after`;
      return;
    }
    refusedPastCap(kind, record, idle + c.spec.conns, before.ok, `served ${before.ok} of ${idle} idle; later connections refused`);
    return;
  }
  const answered = lg.answered;
  if (c.spec.mode === 'setup' && answered && answered.ok < c.spec.conns && answered.timed_out === 0) {
    refusedPastCap(kind, record, c.spec.conns, answered.ok, `answered ${answered.ok} of ${c.spec.conns}; later connections refused`);
    return;
  }
  const f = lg.active_failures;
  record.status = 'failed';
  record.reason =
    `active connections: ${lg.active_alive}/${lg.conns} alive (connect ${f.connect}, eof ${f.eof}, reset ${f.reset}, io ${f.io})` +
    (lg.idle_ping_after ? `; idle answered ${lg.idle_ping_after.ok}/${idle}, timed out ${lg.idle_ping_after.timed_out}` : '') +
    (lg.requests === 0 || lg.bytes === 0 ? '; nothing echoed in the window' : '') +
    (lg.empty_window ? emptyWindowText(lg.empty_window, lg.server_run_delay_s, lg.loadgen_run_delay_s) : '');
}

const secondsOrUnknown = (s: number | undefined) => (s === undefined ? '? s' : `${s.toFixed(3)} s`);

/** Where an empty window's requests were: on the way (network), queued for a server that waited for a CPU, or queued for one asleep. */
function emptyWindowText(e: EmptyWindow, runDelayS: number | undefined, loadgenDelayS: number | undefined): string {
  return (
    `; at its end ${e.acked} requests were acknowledged by the server's kernel and ${e.unacked} not ` +
    `(${e.retransmits} retransmitted, oldest ${e.oldest_s.toFixed(3)} s), ` +
    `in the window the server's threads waited ${secondsOrUnknown(runDelayS)} for a CPU and the load generator ${secondsOrUnknown(loadgenDelayS)}, ` +
    `the server's threads were [${e.server_threads}], ` +
    `machine-wide ${e.softnet_dropped} loopback drops and ${e.tcp_retrans_segs} TCP retransmissions during the run`
  );
}

async function measure(kind: ServerKind, c: CaseDef, round: number): Promise<RunRecord> {
  const record: RunRecord = { round, case: c.id, server: kind.name, status: 'failed' };
  let server: RunningServer | undefined;
  try {
    server = await startServer(kind, pinning.server, opts.quick ? 10_000 : 20_000);
    record.port = server.port;
    record.startupMs = server.startupMs;
    record.firstEchoMs = await timeFirstEcho(server.port, server.spawnedAt, 10_000, kind.program);
    record.loadgen = await runLoadgen(c.spec, server.port, server.pid, pinning.loadgen);
    record.peakRssKb = server.peakRssKb();
    const crashed = server.exited();
    if (crashed) {
      record.status = 'failed';
      const stderr = server.stderrTail();
      record.reason = `server exited during the run (code ${crashed.code}, signal ${crashed.signal})${stderr ? `: ${stderr}` : ''}`;
    } else {
      classify(kind, c, record);
    }
  } catch (err) {
    record.status = 'failed';
    record.reason = err instanceof ServerStartError ? `failed to start: ${err.message}` : (err as Error).message;
  } finally {
    if (server) {
      const exit = await server.stop();
      record.serverExit = { code: exit.code, signal: exit.signal, graceful: exit.graceful };
    }
  }
  return record;
}

function wasmStartup(kind: ServerKind): Promise<WasmStartup | null> {
  return new Promise((resolve) => {
    const argv = [...pinning.server, process.execPath, repoRoot + 'dist/bench/wasm-startup.js', repoRoot + kind.wasmModule!];
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], timeout: 60_000 });
    track(child);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', () => resolve(null));
    child.on('close', (code) => {
      if (code !== 0) return resolve(null);
      const parsed = JSON.parse(out) as { compile_ms: number; instantiate_ms: number };
      resolve({ server: kind.name, compile_ms: parsed.compile_ms, instantiate_ms: parsed.instantiate_ms });
    });
  });
}

/** One round of run-exit: run() and plain node:wasi, interleaved, in one fresh process on the servers' CPU. */
function runExit(round: number): Promise<RunExitRound> {
  const calls = opts.quick ? 5 : 30;
  return new Promise((resolve, reject) => {
    const argv = [...pinning.server, process.execPath, repoRoot + 'dist/bench/run-exit.js', repoRoot + 'wasm/exit-now.wasm', String(calls)];
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    track(child);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`run-exit failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' | ')}`));
      const parsed = JSON.parse(out) as { run_ms: number[]; node_wasi_ms: number[] };
      resolve({ round, module: 'wasm/exit-now.wasm', run_ms: parsed.run_ms, node_wasi_ms: parsed.node_wasi_ms });
    });
  });
}

// ---------- the session ----------

/** Rough wall time of one measurement, for the estimate printed at the start. */
function caseSeconds(spec: LoadSpec): number {
  const perServer = 0.5;
  if (spec.mode === 'setup') return perServer + spec.conns / 5000;
  return perServer + spec.warmupS + spec.durationS + (spec.idle ?? 0) / 5000;
}

const loadAverage = (): number[] => os.loadavg().map((x) => Math.round(x * 100) / 100);

function machine(startLoad: number[], endLoad: number[]): MachineInfo {
  const cpus = os.cpus();
  const git = (args: string[]): string | null => {
    try {
      return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    // 1, 5 and 15 minutes: how busy the shared machine was when the run started.
    load_average_at_start: startLoad,
    load_average_at_end: endLoad,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    cc: compilerVersion(),
    commit: git(['rev-parse', '--short', 'HEAD']),
    worktree_dirty: (git(['status', '--porcelain']) ?? '') !== '',
    pinning: pinning.server.length ? 'server on CPU 1, load generator on CPU 0' : 'none (1 core)',
  };
}

async function main(): Promise<number> {
  buildLoadgen();
  const startLoad = loadAverage();
  const startedAt = new Date();
  const unavailable = new Map<string, string>();
  for (const kind of kinds) {
    const why = await kind.unavailableReason();
    if (why) unavailable.set(kind.name, why);
  }
  const runnable = kinds.filter((k) => !unavailable.has(k.name));
  const wasmKinds = runnable.filter((k) => k.wasmModule);
  const takers = (c: CaseDef) => runnable.filter((k) => k.program === c.program);
  const pairs = cases.reduce((n, c) => n + takers(c).length, 0);
  const total = rounds * (pairs + wasmKinds.length + (measureRunExit ? 1 : 0) + (withClients ? 1 : 0));
  const estimateS =
    rounds *
    (cases.reduce((s, c) => s + takers(c).length * caseSeconds(c.spec), 0) +
      (measureRunExit ? (opts.quick ? 5 : 20) : 0) +
      (withClients ? 2 * caseSeconds(allCases[0]!.spec) : 0));
  process.stderr.write(
    `bench: ${runnable.length} servers, ${cases.length} cases (${pairs} server × case pairs)${measureRunExit ? ` and ${RUN_EXIT}` : ''} × ${rounds} rounds, about ${Math.ceil(estimateS / 60)} min` +
      (unavailable.size ? `; unavailable: ${[...unavailable.keys()].join(', ')}` : '') +
      '\n',
  );
  const progress = progressBar(total);
  const runs: RunRecord[] = [];
  const clientRuns: ClientRun[] = [];
  const startups: WasmStartup[] = [];
  const runExits: RunExitRound[] = [];
  const problems: string[] = [];
  const broken = new Set<string>();

  for (let round = 1; round <= rounds; round++) {
    for (const kind of wasmKinds) {
      const result = await wasmStartup(kind);
      if (result) startups.push(result);
      progress.step(`round ${round}: ${kind.name} compile + instantiate`);
    }
    if (measureRunExit) {
      await runExit(round).then(
        (result) => runExits.push(result),
        (err: Error) => {
          problems.push(`${RUN_EXIT} round ${round}: ${err.message}`);
          progress.note(`${RUN_EXIT} round ${round}: FAILED: ${err.message}`);
        },
      );
      progress.step(`round ${round}: ${RUN_EXIT}`);
    }
    for (const c of cases) {
      const mine = takers(c);
      // Rotate the order each round so no server always runs first (or on a warmer machine).
      const order = mine.map((_, i) => mine[(i + round - 1) % mine.length]);
      for (const kind of order) {
        if (broken.has(kind.name)) {
          progress.step(`round ${round} ${c.id} ${kind.name}: skipped (failed to start before)`);
          continue;
        }
        const record = await measure(kind, c, round);
        runs.push(record);
        if (record.status === 'failed') {
          progress.note(`${kind.name} ${c.id} round ${round}: FAILED: ${record.reason}`);
          if (record.reason?.startsWith('failed to start')) broken.add(kind.name);
        }
        progress.step(`round ${round} ${c.id} ${kind.name}: ${record.status}`);
      }
    }
    if (withClients) {
      const pair = await measureClients(allCases[0]!.spec, round, pinning);
      clientRuns.push(...pair);
      for (const r of pair) if (!r.ok) progress.note(`${r.client} round ${round}: FAILED: ${r.reason}`);
      progress.step(`round ${round} ${CLIENT_CASE}: ${pair.map((r) => `${r.client} ${r.ok ? 'ok' : 'failed'}`).join(', ')}`);
    }
  }
  progress.done();
  const finishedAt = new Date();

  const servers = summarize(kinds, unavailable, cases, runs, startups);
  const runExitSummary = summarizeRunExit(runExits);
  const tables = [
    ...caseTables(cases, servers),
    startupTable(servers),
    ...(measureRunExit ? [runExitTable(runExitSummary)] : []),
    targetTable({ servers, runExit: runExitSummary, clients: clientRuns }),
    ...(withClients ? [clientTable(clientRuns)] : []),
  ];
  const info = machine(startLoad, loadAverage());
  const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
  const header =
    `${startedAt.toISOString()}  ${rounds} round(s), ${warmupS} s warm-up + ${durationS} s measured per case; ` +
    `medians with min–max over rounds\n${info.cpu}, ${info.cores} cores, ${info.os}, Node ${info.node}; ${info.pinning}; ` +
    `load average ${loadText(info.load_average_at_start)} at the start, ${loadText(info.load_average_at_end)} at the end`;
  process.stdout.write(`\n${header}\n\n${tables.map(renderText).join('\n\n')}\n`);

  mkdirSync(repoRoot + outDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const result = {
    version: 1,
    command,
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    machine: info,
    settings: { rounds, warmup_s: warmupS, duration_s: durationS, idle: idleCounts, setup: setupCount, quick: opts.quick, ...budgets },
    cases: cases.map((c) => ({ id: c.id, title: c.title, metric: c.metric, load: c.spec })),
    servers,
    wasm_startup: startups,
    run_exit: runExits,
    run_exit_summary: runExitSummary,
    runs,
    clients: clientRuns,
  };
  const json = JSON.stringify(result, null, 2) + '\n';
  writeFileSync(`${repoRoot}${outDir}/${stamp}.json`, json);
  writeFileSync(`${repoRoot}${outDir}/latest.json`, json);
  const markdown =
    `Measured ${startedAt.toISOString().slice(0, 10)} on ${info.cpu}, ${info.cores} cores, ${info.os}, Node ${info.node}, ` +
    `commit ${info.commit}${info.worktree_dirty ? ' (with uncommitted changes)' : ''}; ${info.pinning}; ` +
    `load average (1, 5, 15 min) ${loadText(info.load_average_at_start)} at the start, ${loadText(info.load_average_at_end)} at the end. ` +
    `${rounds} round(s), ${durationS} s per case; medians, min–max over rounds.\n` +
    `Reproduce: \`${command}\`\n\n${tables.map(renderMarkdown).join('\n\n')}\n`;
  writeFileSync(`${repoRoot}${outDir}/latest.md`, markdown);
  const svg = await scaleChartSvg(cases, servers, `${info.cpu}, ${info.cores} cores, Node ${info.node}, ${startedAt.toISOString().slice(0, 10)}`);
  if (svg) {
    writeFileSync(`${repoRoot}${outDir}/${stamp}.svg`, svg);
    writeFileSync(`${repoRoot}${outDir}/latest.svg`, svg);
  }
  process.stdout.write(`\nresults: ${outDir}/${stamp}.json, latest.json, latest.md${svg ? `, ${stamp}.svg, latest.svg` : ''}\n`);

  problems.push(...servers.filter((s) => s.status !== 'ok').map((s) => `${s.name}: ${s.status}: ${s.reason}`));
  problems.push(...clientRuns.filter((r) => !r.ok).map((r) => `${r.client} round ${r.round}: ${r.reason}`));
  if (problems.length) {
    process.stderr.write(`\nbench: ${problems.length} problem(s):\n`);
    for (const p of problems) process.stderr.write(`  ${p}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    killAllChildren();
    process.exitCode = code;
  },
  (err: unknown) => {
    killAllChildren();
    process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  },
);
