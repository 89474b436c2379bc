// Writes the top-level README's Performance tables (between the PERF:BEGIN and
// PERF:END markers) from one session's results, so every figure there comes
// from the same interleaved run as bench/results/latest.md and the chart.
// usage: node dist/bench/readme-perf.js [--results bench/results/latest.json] [--readme README.md]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  caseMedian,
  cpuPerRequest,
  integer,
  loadText,
  nativeOf,
  nodeEchoOf,
  oneDecimal,
  quotient,
  renderMarkdown,
  runExitTable,
  secondsText,
  type MachineInfo,
  type RunExitSummary,
  type ServerSummary,
  type Table,
} from './report.js';
import { repoRoot } from './servers.js';
import { targetTable } from './targets.js';

const BEGIN = '<!-- PERF:BEGIN -->';
const END = '<!-- PERF:END -->';

interface Results {
  command: string;
  started_at: string;
  machine: MachineInfo;
  settings: { rounds: number; duration_s: number; idle: number[]; setup: number; quick: boolean };
  servers: ServerSummary[];
  run_exit_summary?: RunExitSummary;
}

const times = (a: number, b: number | undefined, what: string): string | null => {
  const r = quotient(a, b);
  return r === undefined ? null : `${r.toFixed(2)}× ${what}`;
};
const kilo = (n: number): string => (n % 1000 === 0 ? `${n / 1000}k` : String(n));

/** "wasm epoll, kernel", "native poll", "Node net echo": how the README names a server. */
function label(s: ServerSummary): string {
  if (s.runtime === 'node') return "Node's `net` echo";
  if (s.program === 'http') return s.transport ? `HTTP server, wasm, ${s.transport}` : `HTTP server, ${s.runtime}`;
  return s.transport ? `${s.runtime} ${s.backend}, ${s.transport}` : `${s.runtime} ${s.backend}`;
}

/** A median with its ratios to native (same backend) and to Node's net echo, side by side. */
function withRatios(
  s: ServerSummary,
  servers: ServerSummary[],
  pick: (x: ServerSummary) => number | undefined,
  format: (n: number) => string,
): string {
  const value = pick(s);
  if (value === undefined) return '—';
  const native = nativeOf(s, servers);
  const node = nodeEchoOf(servers);
  const ratios = [
    native ? times(value, pick(native), 'native') : null,
    node && node !== s ? times(value, pick(node), 'node') : null,
  ].filter((x): x is string => x !== null);
  return ratios.length ? `${format(value)} (${ratios.join(', ')})` : format(value);
}

function scalingTable(results: Results): Table {
  const idle = results.settings.idle;
  const base = `scale-${idle[0]}`;
  const headers = ['req/s of 10 active ping-pong connections', ...idle.map((n) => `+ ${kilo(n)} idle`)];
  headers.push(...idle.slice(1).map((n) => `${kilo(n)} ÷ ${kilo(idle[0])}`));
  // By backend, wasm before native; Node's net echo (no backend) last. The sort is stable: transports keep the session's order.
  const rank = (s: ServerSummary): number => (s.backend ? ['select', 'poll', 'epoll'].indexOf(s.backend) * 2 + (s.runtime === 'wasm' ? 0 : 1) : 99);
  const servers = results.servers.filter((s) => s.program === 'echo' && s.status !== 'unavailable').sort((a, b) => rank(a) - rank(b));
  const rows = servers.map((s) => {
    const cells = idle.map((n) => {
      const cs = s.cases[`scale-${n}`];
      if (!cs) return '—';
      if (cs.status === 'capped') return `capped at ${cs.idle_answered}`;
      if (cs.status !== 'ok' || !cs.metric) return cs.status;
      return integer(cs.metric.median);
    });
    const first = caseMedian(base)(s);
    const ratios = idle.slice(1).map((n) => {
      const r = quotient(caseMedian(`scale-${n}`)(s), first);
      return r === undefined ? '—' : `${r.toFixed(2)}×`;
    });
    return [label(s), ...cells, ...ratios];
  });
  return { title: 'Idle scaling, per backend and transport', headers, rows };
}

function headlineTable(results: Results): Table {
  const { servers } = results;
  const setupId = `setup-${results.settings.setup}`;
  const largestIdle = Math.max(...results.settings.idle);
  const epoll = servers.filter((s) => s.program === 'echo' && s.status !== 'unavailable' && (s.backend === 'epoll' || s.runtime === 'node'));
  const rssAt = (s: ServerSummary): number | undefined => s.cases[`scale-${largestIdle}`]?.peak_rss_kb?.max;
  return {
    title: 'wasm epoll on each transport, native epoll, Node\'s net echo (in brackets: ratio to native epoll and to Node\'s net echo; for time and memory below 1× is better)',
    headers: [
      '',
      'rr: 50 × 64 B, req/s',
      'rr: server CPU per request, µs',
      'stream: 10 × 16 KiB, MB/s',
      `${results.settings.setup} connections set up, s`,
      'start → first echo, ms',
      `peak RSS, ${kilo(largestIdle)} idle, MB`,
    ],
    rows: epoll.map((s) => [
      label(s),
      withRatios(s, servers, caseMedian('rr'), integer),
      withRatios(s, servers, cpuPerRequest('rr'), oneDecimal),
      withRatios(s, servers, caseMedian('stream'), integer),
      withRatios(s, servers, caseMedian(setupId), secondsText),
      withRatios(s, servers, (x) => x.first_echo_ms?.median, (n) => n.toFixed(0)),
      withRatios(s, servers, rssAt, (kb) => (kb / 1024).toFixed(0)),
    ]),
  };
}

/**
 * The HTTP server (mio's poll pattern) as wasm on each transport and natively.
 * No CPU per request here: a server that never sleeps spends its whole share
 * whatever it serves (bench/README.md, "The HTTP server").
 */
function httpTable(results: Results): Table {
  const { servers } = results;
  const http = servers.filter((s) => s.program === 'http' && s.status !== 'unavailable');
  const idleCase = Object.keys(http[0]?.cases ?? {}).find((id) => id.startsWith('http-idle-'));
  const nativeRatio = (s: ServerSummary, pick: (x: ServerSummary) => number | undefined, format: (n: number) => string): string => {
    const value = pick(s);
    if (value === undefined) return '—';
    const native = nativeOf(s, servers);
    const r = native ? times(value, pick(native), 'native') : null;
    return r ? `${format(value)} (${r})` : format(value);
  };
  return {
    title: 'HTTP/1.1 keep-alive server written as mio/tokio programs poll (c/http_mio.c), wasm under `wasi-evloop run` and natively (in brackets: ratio to its native build)',
    headers: [
      '',
      '20 connections, req/s',
      '500 connections, req/s',
      '500 ÷ 20',
      ...(idleCase ? [`CPU with ${idleCase.slice('http-idle-'.length)} idle connections`] : []),
    ],
    rows: http.map((s) => {
      const r = quotient(caseMedian('http-500')(s), caseMedian('http-20')(s));
      return [
        label(s),
        nativeRatio(s, caseMedian('http-20'), integer),
        nativeRatio(s, caseMedian('http-500'), integer),
        r === undefined ? '—' : `${r.toFixed(2)}×`,
        ...(idleCase ? [s.cases[idleCase]?.metric ? `${Math.round(s.cases[idleCase].metric!.median)}%` : '—'] : []),
      ];
    }),
  };
}

function perfBlock(results: Results): string {
  const m = results.machine;
  const s = results.settings;
  const header =
    `Latest full run: ${results.started_at.slice(0, 10)}, ${m.cpu}, ${m.cores} cores, ${m.os}, Node ${m.node}, commit ${m.commit}` +
    `${m.worktree_dirty ? ' (with uncommitted changes)' : ''}; ${m.pinning}; ${s.rounds} interleaved round${s.rounds === 1 ? '' : 's'} × ${s.duration_s} s, ` +
    `medians. Load average (1 / 5 / 15 min) ${loadText(m.load_average_at_start)} at the start, ` +
    `${loadText(m.load_average_at_end)} at the end: the machine is shared, so compare ratios, not absolute figures. ` +
    `Command: \`${results.command}\`. Every column with its min–max: [bench/results/latest.md](bench/results/latest.md).`;
  const tables = [
    scalingTable(results),
    headlineTable(results),
    httpTable(results),
    runExitTable(results.run_exit_summary),
    targetTable({ servers: results.servers, runExit: results.run_exit_summary }),
  ];
  return [BEGIN, header, '', ...tables.flatMap((t) => [renderMarkdown(t), '']), END].join('\n');
}

function main(): void {
  const { values } = parseArgs({
    options: {
      results: { type: 'string', default: `${repoRoot}bench/results/latest.json` },
      readme: { type: 'string', default: `${repoRoot}README.md` },
    },
  });
  const results = JSON.parse(readFileSync(values.results, 'utf8')) as Results;
  // Summaries from before the HTTP server's rows name no program: their tables would come out empty.
  if (results.servers.some((s) => s.program === undefined)) {
    console.error(`readme-perf: ${values.results} predates the bench's programs (echo, http); make a new one with npm run bench`);
    process.exit(2);
  }
  if (results.settings.quick) {
    console.error(`readme-perf: ${values.results} is a --quick smoke run; the README takes a full run (npm run bench)`);
    process.exit(2);
  }
  const readme = readFileSync(values.readme, 'utf8');
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) {
    console.error(`readme-perf: ${values.readme} has no ${BEGIN} … ${END} block to replace`);
    process.exit(2);
  }
  writeFileSync(values.readme, readme.slice(0, begin) + perfBlock(results) + readme.slice(end + END.length));
  console.log(`readme-perf: wrote the Performance tables of ${values.readme} from ${values.results}`);
}

main();
