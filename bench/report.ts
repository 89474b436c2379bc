// Turns the runs into summaries, then into a terminal table, a Markdown table
// (the same cells) and a chart. Nothing here measures anything.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { LoadgenResult, LoadSpec } from './loadgen.js';
import { nativeKindOf, type Program, type Runtime, type ServerKind } from './servers.js';

/**
 * What a case reports: a rate (higher is better), for setup seconds (lower is
 * better), for an idle case the server's CPU while it has nothing to do.
 */
export type Metric = 'req_per_s' | 'mb_per_s' | 'setup_s' | 'server_cpu_pct';

export interface CaseDef {
  id: string;
  title: string;
  /** The servers that take this case: the ones running this program. */
  program: Program;
  spec: LoadSpec;
  metric: Metric;
}

export type RunStatus = 'ok' | 'capped' | 'failed';

export interface RunRecord {
  round: number;
  case: string;
  server: string;
  status: RunStatus;
  reason?: string;
  port?: number;
  startupMs?: number;
  /** Spawn → the first byte echoed on a fresh connection. */
  firstEchoMs?: number;
  peakRssKb?: number | null;
  serverExit?: { code: number | null; signal: string | null; graceful: boolean };
  loadgen?: LoadgenResult;
}

export interface WasmStartup {
  server: string;
  compile_ms: number;
  instantiate_ms: number;
}

/** One round of bench/run-exit.ts: run() and plain node:wasi on a module that exits at once. */
export interface RunExitRound {
  round: number;
  module: string;
  run_ms: number[];
  node_wasi_ms: number[];
}

/** Medians over every call of the session (all rounds pooled). */
export interface RunExitSummary {
  module: string;
  calls: number;
  run_ms: Range;
  node_wasi_ms: Range;
}

/** Where and when a session ran: bench/results/*.json "machine". */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memory_gib: number;
  os: string;
  node: string;
  cc: string;
  commit: string | null;
  worktree_dirty: boolean;
  pinning: string;
  /** os.loadavg(): 1, 5 and 15 minutes. */
  load_average_at_start: number[];
  load_average_at_end: number[];
}

export const loadText = (load: number[]): string => load.map((x) => x.toFixed(2)).join(' / ');

export interface Range {
  median: number;
  min: number;
  max: number;
}

export type SummaryStatus = RunStatus | 'unavailable' | 'not run';

export interface CaseSummary {
  status: SummaryStatus;
  reason?: string;
  rounds: number;
  metric?: Range;
  p50_us?: Range;
  p99_us?: Range;
  server_cpu_pct?: Range;
  /** Server CPU (user + system, every thread) per request in the window, µs. */
  cpu_us_per_req?: Range;
  /** The same for the server's busiest thread alone (a wasm server's module thread, most often). */
  top_thread_us_per_req?: Range;
  loadgen_cpu_pct?: Range;
  /** setup: seconds to open the connections, before the echoes. */
  connect_s?: Range;
  /** setup: accept-queue overflows while connecting (each a ~1 s SYN retry). */
  listen_overflows?: Range;
  /** Server thread wake-ups per 1000 requests (rr, scale), per MB echoed (stream) or per 1000 connections (setup). */
  wakeups_per_unit?: Range;
  peak_rss_kb?: Range;
  /** scale: the fewest idle connections still answering after the run, over the rounds. */
  idle_answered?: number;
  idle_asked?: number;
}

export interface ServerSummary {
  name: string;
  program: Program;
  runtime: Runtime;
  backend?: string;
  transport?: string;
  status: 'ok' | 'unavailable' | 'failed';
  reason?: string;
  startup_ms?: Range;
  first_echo_ms?: Range;
  compile_ms?: Range;
  instantiate_ms?: Range;
  peak_rss_kb_max?: number;
  cases: Record<string, CaseSummary>;
}

export function range(values: number[]): Range | undefined {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1] };
}

export function summarize(
  kinds: ServerKind[],
  unavailable: Map<string, string>,
  cases: CaseDef[],
  runs: RunRecord[],
  startups: WasmStartup[],
): ServerSummary[] {
  return kinds.map((kind) => {
    const mine = runs.filter((r) => r.server === kind.name);
    const summary: ServerSummary = {
      name: kind.name,
      program: kind.program,
      runtime: kind.runtime,
      backend: kind.backend,
      transport: kind.transport,
      status: 'ok',
      cases: {},
    };
    const why = unavailable.get(kind.name);
    if (why) {
      summary.status = 'unavailable';
      summary.reason = why;
    }
    summary.startup_ms = range(mine.flatMap((r) => (r.startupMs === undefined ? [] : [r.startupMs])));
    summary.first_echo_ms = range(mine.flatMap((r) => (r.firstEchoMs === undefined ? [] : [r.firstEchoMs])));
    const wasm = startups.filter((s) => s.server === kind.name);
    summary.compile_ms = range(wasm.map((s) => s.compile_ms));
    summary.instantiate_ms = range(wasm.map((s) => s.instantiate_ms));
    const rss = mine.flatMap((r) => (r.peakRssKb ? [r.peakRssKb] : []));
    if (rss.length) summary.peak_rss_kb_max = Math.max(...rss);
    for (const c of cases.filter((c) => c.program === kind.program)) {
      const list = mine.filter((r) => r.case === c.id);
      summary.cases[c.id] = summarizeCase(c, list, why);
      if (summary.cases[c.id].status === 'failed' && summary.status === 'ok') {
        summary.status = 'failed';
        summary.reason = `${c.id}: ${summary.cases[c.id].reason}`;
      }
    }
    return summary;
  });
}

/** CPU seconds over the window's requests, in µs; undefined without requests. */
const perRequestUs = (x: LoadgenResult, cpuS: number | undefined): number | undefined =>
  cpuS !== undefined && x.requests ? (cpuS * 1e6) / x.requests : undefined;

export function summarizeRunExit(rounds: RunExitRound[]): RunExitSummary | undefined {
  const run = range(rounds.flatMap((r) => r.run_ms));
  const nodeWasi = range(rounds.flatMap((r) => r.node_wasi_ms));
  if (!run || !nodeWasi) return undefined;
  return { module: rounds[0]!.module, calls: rounds.reduce((n, r) => n + r.run_ms.length, 0), run_ms: run, node_wasi_ms: nodeWasi };
}

function summarizeCase(c: CaseDef, runs: RunRecord[], unavailable: string | undefined): CaseSummary {
  if (unavailable) return { status: 'unavailable', reason: unavailable, rounds: 0 };
  if (runs.length === 0) return { status: 'not run', rounds: 0 };
  const failed = runs.find((r) => r.status === 'failed');
  const capped = runs.find((r) => r.status === 'capped');
  const measured = runs.filter((r) => r.status === 'ok' && r.loadgen);
  const lg = measured.map((r) => r.loadgen!);
  const pick = (f: (x: LoadgenResult) => number | undefined): Range | undefined =>
    range(lg.flatMap((x) => (f(x) === undefined ? [] : [f(x)!])));
  const summary: CaseSummary = {
    status: failed ? 'failed' : capped ? 'capped' : 'ok',
    reason: failed?.reason ?? capped?.reason,
    rounds: runs.length,
    metric: pick((x) => x[c.metric]),
    connect_s: pick((x) => x.connect_s),
    listen_overflows: pick((x) => (x.mode === 'setup' ? x.listen_overflows : undefined)),
    p50_us: pick((x) => x.p50_us),
    p99_us: pick((x) => x.p99_us),
    server_cpu_pct: pick((x) => x.server_cpu_pct),
    cpu_us_per_req: pick((x) => perRequestUs(x, x.server_user_s !== undefined ? x.server_user_s + x.server_sys_s! : undefined)),
    top_thread_us_per_req: pick((x) =>
      perRequestUs(x, x.server_threads?.length ? Math.max(...x.server_threads.map((t) => t.user_s + t.sys_s)) : undefined),
    ),
    loadgen_cpu_pct: pick((x) => x.loadgen_cpu_pct),
    wakeups_per_unit: pick((x) => {
      if (x.server_wakeups === undefined) return undefined;
      const units =
        c.metric === 'req_per_s' ? (x.requests ?? 0) / 1000 : c.metric === 'mb_per_s' ? (x.bytes ?? 0) / 1e6 : (x.answered?.ok ?? 0) / 1000;
      return units > 0 ? x.server_wakeups / units : undefined;
    }),
    peak_rss_kb: range(runs.flatMap((r) => (r.peakRssKb ? [r.peakRssKb] : []))),
  };
  if (c.spec.idle !== undefined) {
    const answered = runs.flatMap((r) => (r.loadgen?.idle_ping_after ? [r.loadgen.idle_ping_after.ok] : []));
    if (answered.length) summary.idle_answered = Math.min(...answered);
    summary.idle_asked = c.spec.idle;
  }
  return summary;
}

// ---------- tables ----------

export interface Table {
  title: string;
  headers: string[];
  rows: string[][];
}

export const integer = (n: number): string => Math.round(n).toLocaleString('en-US');
export const oneDecimal = (n: number): string => n.toFixed(1);
export const secondsText = (n: number): string => n.toFixed(3);
const fmtRange = (r: Range | undefined, fmt: (n: number) => string): [string, string] =>
  r ? [fmt(r.median), `${fmt(r.min)}–${fmt(r.max)}`] : ['', ''];
/** a / b, or undefined when either is unknown or b is not positive (no meaningful ratio). */
export const quotient = (a: number | undefined, b: number | undefined): number | undefined =>
  a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
/** a / b of medians; for times (setup) this is still a over b, so below 1× is faster. */
export const ratio = (a: Range | undefined, b: Range | undefined): string => {
  const r = quotient(a?.median, b?.median);
  return r === undefined ? '—' : `${r.toFixed(2)}×`;
};
/** A case's median for `s`, only when every round of the case ran cleanly (a failed or capped case has no figure to compare). */
export const caseMedian = (caseId: string) => (s: ServerSummary | undefined): number | undefined =>
  s?.cases[caseId]?.status === 'ok' ? s.cases[caseId].metric?.median : undefined;
/** A case's median server CPU per request, on the same terms as caseMedian. */
export const cpuPerRequest = (caseId: string) => (s: ServerSummary | undefined): number | undefined =>
  s?.cases[caseId]?.status === 'ok' ? s.cases[caseId].cpu_us_per_req?.median : undefined;

function statusCell(s: CaseSummary): string {
  if (s.status === 'unavailable') return `unavailable: ${s.reason}`;
  if (s.status === 'not run') return 'not run';
  if (s.status === 'failed') return `FAILED: ${s.reason}`;
  return '';
}

/** The native build of the same program (and backend): what a wasm server is compared with. */
export const nativeOf = (s: ServerSummary, servers: ServerSummary[]): ServerSummary | undefined => nativeKindOf(s, servers);
export const nodeEchoOf = (servers: ServerSummary[]): ServerSummary | undefined => servers.find((s) => s.runtime === 'node');

const unitOf: Record<Metric, string> = { req_per_s: 'req/s', mb_per_s: 'MB/s', setup_s: 'seconds', server_cpu_pct: 'server CPU % (idle)' };

export function caseTables(cases: CaseDef[], servers: ServerSummary[]): Table[] {
  return cases.map((c) => {
    const latency = c.metric === 'req_per_s';
    const setup = c.metric === 'setup_s';
    const idleOnly = c.metric === 'server_cpu_pct';
    const scale = c.spec.idle !== undefined;
    // Node's net echo is a reference for the echo cases only.
    const node = c.program === 'echo' ? nodeEchoOf(servers) : undefined;
    const headers = ['server', unitOf[c.metric], 'min–max'];
    if (latency) headers.push('p50 µs', 'p99 µs', 'CPU µs/req', 'top thread µs/req');
    if (scale) headers.push('idle answered');
    if (setup) headers.push('connect s', 'listen overflows (max)');
    headers.push(
      ...(idleOnly ? [] : ['server CPU']),
      'loadgen CPU',
      latency ? 'wake-ups/1k req' : setup ? 'wake-ups/1k conns' : idleOnly ? 'wake-ups (window)' : 'wake-ups/MB',
      'RSS MB',
      '×native',
      ...(node ? [`×${node.name}`] : []),
    );
    const value = setup ? secondsText : idleOnly ? (n: number) => `${Math.round(n)}%` : integer;
    const rows = servers.filter((s) => s.cases[c.id]).map((s) => {
      const cs = s.cases[c.id];
      const problem = statusCell(cs);
      if (problem) return [s.name, problem];
      const [median, span] = fmtRange(cs.metric, value);
      const row = [s.name, median, span];
      if (cs.status === 'capped') {
        // Its active connections came after the cap and were refused: nothing to measure.
        row[1] = 'capped';
        row[2] = 'refused';
      }
      if (latency) {
        row.push(fmtRange(cs.p50_us, integer)[0], fmtRange(cs.p99_us, integer)[0]);
        row.push(fmtRange(cs.cpu_us_per_req, oneDecimal)[0], fmtRange(cs.top_thread_us_per_req, oneDecimal)[0]);
      }
      if (scale) row.push(cs.idle_answered === undefined ? '' : `${cs.idle_answered}/${cs.idle_asked}`);
      if (setup) row.push(fmtRange(cs.connect_s, secondsText)[0], cs.listen_overflows ? integer(cs.listen_overflows.max) : '');
      if (!idleOnly) row.push(cs.server_cpu_pct ? `${Math.round(cs.server_cpu_pct.median)}%` : '');
      row.push(
        cs.loadgen_cpu_pct ? `${Math.round(cs.loadgen_cpu_pct.median)}%` : '',
        cs.wakeups_per_unit ? oneDecimal(cs.wakeups_per_unit.median) : '',
        cs.peak_rss_kb ? oneDecimal(cs.peak_rss_kb.max / 1024) : '',
      );
      const native = nativeOf(s, servers);
      row.push(native ? ratio(cs.metric, native.cases[c.id]?.metric) : '—');
      if (node) row.push(s !== node ? ratio(cs.metric, node.cases[c.id]?.metric) : '—');
      return row;
    });
    const title = `${c.id}: ${c.title}` + (setup ? ' (lower is better; ratios are of times)' : '');
    return { title, headers, rows };
  });
}

export function startupTable(servers: ServerSummary[]): Table {
  return {
    title: 'start-up (spawn → "listening on" line, and → first request answered: one byte echoed, or one GET) and memory',
    headers: ['server', 'start-up ms', 'min–max', 'first echo ms', 'min–max', 'compile ms', 'instantiate ms', 'peak RSS MB (any case)'],
    rows: servers.map((s) => {
      if (s.status === 'unavailable') return [s.name, `unavailable: ${s.reason}`];
      return [
        s.name,
        ...fmtRange(s.startup_ms, oneDecimal),
        ...fmtRange(s.first_echo_ms, oneDecimal),
        s.compile_ms ? oneDecimal(s.compile_ms.median) : '—',
        s.instantiate_ms ? oneDecimal(s.instantiate_ms.median) : '—',
        s.peak_rss_kb_max ? oneDecimal(s.peak_rss_kb_max / 1024) : '',
      ];
    }),
  };
}

/** run() of a module that exits at once against plain node:wasi, same process, same module. */
export function runExitTable(summary: RunExitSummary | undefined): Table {
  const title = 'run() of a module that exits at once, measured in-process (call → exit code; medians of every call)';
  const headers = ['', 'ms', 'min–max', '×plain node:wasi'];
  if (!summary) return { title, headers, rows: [['not measured']] };
  const r = quotient(summary.run_ms.median, summary.node_wasi_ms.median);
  return {
    title: `${title}: ${summary.module}, ${summary.calls} calls each`,
    headers,
    rows: [
      ['run() (defaults: node runtime, fastest transport)', ...fmtRange(summary.run_ms, oneDecimal), r === undefined ? '—' : `${r.toFixed(1)}×`],
      ['plain node:wasi (compile, instantiate, start)', ...fmtRange(summary.node_wasi_ms, oneDecimal), '1×'],
    ],
  };
}

/** Aligned columns; a row with fewer cells than headers is a note that spans the rest. */
export function renderText(table: Table): string {
  const widths = table.headers.map((h, i) =>
    Math.max(h.length, ...table.rows.filter((r) => r.length === table.headers.length).map((r) => r[i].length)),
  );
  const numeric = (i: number): boolean => i > 0;
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => {
        if (cells.length < table.headers.length && i === cells.length - 1) return cell;
        return numeric(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]);
      })
      .join('  ')
      .trimEnd();
  return [table.title, line(table.headers), ...table.rows.map(line)].join('\n');
}

export function renderMarkdown(table: Table): string {
  const width = table.headers.length;
  const escape = (s: string): string => s.replace(/\|/g, '\\|');
  const out = [`**${escape(table.title)}**`, '', `| ${table.headers.map(escape).join(' | ')} |`];
  out.push(`| ${table.headers.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
  for (const row of table.rows) {
    const cells = row.length < width ? [...row, ...Array<string>(width - row.length).fill('')] : row;
    out.push(`| ${cells.map(escape).join(' | ')} |`);
  }
  return out.join('\n');
}

// ---------- chart ----------

const NODE_ECHO_FAMILY = 'Node net echo';

interface ChartPoint {
  server: string;
  /** Colour: the loop's backend, or Node's net echo; the dash says how it ran. */
  family: string;
  runsAs: string;
  idle: number;
  rps?: number;
  min?: number;
  max?: number;
  note?: string;
}

/** req/s of the active connections against idle connections held, one line per server. */
export async function scaleChartSvg(cases: CaseDef[], servers: ServerSummary[], subtitle: string): Promise<string | null> {
  const scaleCases = cases.filter((c) => c.spec.mode === 'scale');
  const points: ChartPoint[] = [];
  for (const s of servers) {
    for (const c of scaleCases) {
      const cs = s.cases[c.id];
      if (!cs) continue;
      const runsAs = s.transport ? `${s.runtime} on ${s.transport}` : s.runtime;
      const base = { server: s.name, family: s.backend ?? NODE_ECHO_FAMILY, runsAs, idle: c.spec.idle! };
      if (cs.status === 'ok' && cs.metric) {
        points.push({ ...base, rps: cs.metric.median, min: cs.metric.min, max: cs.metric.max });
      } else if (cs.status === 'capped' || cs.status === 'failed') {
        // Nothing was measured: say so on the chart rather than leave a silent gap.
        points.push({ ...base, rps: 0, note: cs.status === 'capped' ? 'capped (refused)' : 'failed' });
      }
    }
  }
  if (points.length === 0) return null;
  // Labels at y = 0 would overlap; name what the crosses mean under the title instead.
  const notes = new Map<string, number[]>();
  for (const p of points.filter((p) => p.note)) {
    const key = `${p.server} ${p.note}`;
    notes.set(key, [...(notes.get(key) ?? []), p.idle]);
  }
  const caption = [...notes].map(([what, idle]) => `× at 0: ${what} at ${idle.join(', ')} idle`);
  const color = { field: 'family', type: 'nominal', title: 'event loop', sort: ['select', 'poll', 'epoll', NODE_ECHO_FAMILY] } as const;
  const detail = { field: 'server', type: 'nominal' } as const;
  const x = { field: 'idle', type: 'quantitative', title: 'idle connections held', axis: { format: ',d' } } as const;
  // One dash per way of running, named in the legend: native solid, the wasm transports told apart.
  const runsAs = [...new Set(points.map((p) => p.runsAs))].sort();
  const dashes: Record<string, number[]> = { native: [1, 0], node: [10, 4], 'wasm on kernel': [5, 3], 'wasm on node-net': [1, 3] };
  const y = { field: 'rps', type: 'quantitative', title: 'req/s (median)' } as const;
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Echo req/s of 10 active connections vs idle connections held', subtitle: [subtitle, ...caption] },
    width: 560,
    height: 340,
    data: { values: points as unknown as Record<string, unknown>[] },
    layer: [
      {
        transform: [{ filter: 'datum.note == null' }],
        // Points are a layer of their own: with `point: true` Vega-Lite draws the
        // dash legend with transparent strokes, so the legend would show nothing.
        mark: { type: 'line' },
        encoding: {
          x,
          y,
          color,
          detail,
          strokeDash: {
            field: 'runsAs',
            type: 'nominal',
            title: 'runs as',
            scale: { domain: runsAs, range: runsAs.map((r) => dashes[r] ?? [3, 1]) },
            legend: { symbolType: 'stroke', symbolStrokeColor: '#333', symbolStrokeWidth: 2 },
          },
        },
      },
      {
        transform: [{ filter: 'datum.note == null' }],
        mark: { type: 'point', filled: true },
        encoding: { x, y, color, detail },
      },
      {
        transform: [{ filter: 'datum.note == null' }],
        mark: { type: 'rule' },
        encoding: { x, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' }, color, detail },
      },
      {
        transform: [{ filter: 'datum.note != null' }],
        mark: { type: 'point', shape: 'cross', size: 120, filled: true },
        encoding: { x, y, color },
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
