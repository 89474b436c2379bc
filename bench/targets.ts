// The issues' performance targets, checked against one session's summaries.
// Echo targets are stated for the C core's wasm epoll server on the kernel
// transport, the HTTP ones for the HTTP server's wasm build; every such kind
// in the session gets a row, so the transports can be compared on the same
// terms. run()'s target is one figure for the session.
import { clientMedian, type ClientRun } from './clients.js';
import {
  caseMedian,
  cpuPerRequest,
  integer,
  nativeOf,
  nodeEchoOf,
  oneDecimal,
  quotient,
  secondsText,
  type RunExitSummary,
  type ServerSummary,
  type Table,
} from './report.js';

/** What the targets are checked against: one session's results. */
export interface Session {
  servers: ServerSummary[];
  runExit?: RunExitSummary;
  clients?: readonly ClientRun[];
}

interface Figure {
  /** The number compared with the bound. */
  value: number;
  /** How it reads in the table, e.g. "0.91× (150,000 / 164,000 req/s)". */
  text: string;
}

/** A figure of one server in this session, or null when something it needs was not measured. */
type FigureOf = (subject: ServerSummary, session: Session) => Figure | null;

interface TargetBase {
  /** The issues that set it. */
  issues: string;
  /** What the issue asks, in its words. */
  goal: string;
  /** The value must be at least (`atLeast`) or below (`below`, strictly) / at most (`atMost`) the bound. */
  test: 'atLeast' | 'atMost' | 'below';
  bound: number;
}

type Target = TargetBase &
  (
    | {
        /** Checked for each wasm build of the echo core's epoll backend, or of the HTTP server. */
        subjects: 'wasm-epoll' | 'wasm-http';
        figure: FigureOf;
      }
    | {
        /** One figure for the whole session. */
        subjects: 'session';
        subject: string;
        figure: (session: Session) => Figure | null;
      }
  );

type Pick = (s: ServerSummary | undefined) => number | undefined;

/** pick(subject) over pick(reference), as a ratio; the reference is another server, or the subject itself. */
function ratioOf(pickA: Pick, reference: (subject: ServerSummary, session: Session) => ServerSummary | undefined, pickB: Pick, format: (n: number) => string, unit: string): FigureOf {
  return (subject, session) => {
    const a = pickA(subject);
    const b = pickB(reference(subject, session));
    const value = quotient(a, b);
    if (value === undefined) return null;
    return { value, text: `${value.toFixed(2)}× (${format(a!)} / ${format(b!)}${unit ? ` ${unit}` : ''})` };
  };
}

const native = (subject: ServerSummary, session: Session) => nativeOf(subject, session.servers);
const nodeEcho = (_: ServerSummary, session: Session) => nodeEchoOf(session.servers);
const itself = (subject: ServerSummary) => subject;

/** The same case, the subject against a reference. */
const sameCase = (caseId: string, reference: typeof native, format: (n: number) => string, unit: string): FigureOf =>
  ratioOf(caseMedian(caseId), reference, caseMedian(caseId), format, unit);

const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;
const ms = (n: number): string => `${n.toFixed(0)} ms`;
const peakRssAt = (caseId: string): Pick => (s) => s?.cases[caseId]?.peak_rss_kb?.max;
const firstEcho: Pick = (s) => s?.first_echo_ms?.median;

function runExitFigure(session: Session): Figure | null {
  const r = session.runExit;
  const value = quotient(r?.run_ms.median, r?.node_wasi_ms.median);
  if (value === undefined) return null;
  return { value, text: `${value.toFixed(1)}× (${oneDecimal(r!.run_ms.median)} / ${oneDecimal(r!.node_wasi_ms.median)} ms)` };
}

/** The wasm client's rr rate over the native load generator's (issue 16), with each one's CPU per request. */
function clientFigure(session: Session): Figure | null {
  const runs = session.clients ?? [];
  const wasm = clientMedian(runs, 'wasm client', 'req_per_s');
  const native = clientMedian(runs, 'native loadgen', 'req_per_s');
  const value = quotient(wasm, native);
  if (value === undefined) return null;
  const cpu = (['wasm client', 'native loadgen'] as const).map((c) => clientMedian(runs, c, 'cpu_us_per_req')?.toFixed(2) ?? 'n/a');
  return { value, text: `${value.toFixed(2)}× (${integer(wasm!)} / ${integer(native!)} req/s; CPU ${cpu[0]} / ${cpu[1]} µs/req)` };
}

const TARGETS: readonly Target[] = [
  { issues: '7, 15', goal: 'rr ≥ 0.85× native epoll', subjects: 'wasm-epoll', test: 'atLeast', bound: 0.85, figure: sameCase('rr', native, integer, 'req/s') },
  { issues: '15', goal: "rr ≥ 1.4× Node's net echo", subjects: 'wasm-epoll', test: 'atLeast', bound: 1.4, figure: sameCase('rr', nodeEcho, integer, 'req/s') },
  {
    issues: '15',
    goal: 'server CPU per rr request ≤ 1.3× native epoll’s',
    subjects: 'wasm-epoll',
    test: 'atMost',
    bound: 1.3,
    figure: ratioOf(cpuPerRequest('rr'), native, cpuPerRequest('rr'), oneDecimal, 'µs'),
  },
  { issues: '15', goal: 'stream ≥ 0.95× native epoll', subjects: 'wasm-epoll', test: 'atLeast', bound: 0.95, figure: sameCase('stream', native, integer, 'MB/s') },
  {
    issues: '15',
    goal: '10 active + 5000 idle ≥ 0.85× native epoll',
    subjects: 'wasm-epoll',
    test: 'atLeast',
    bound: 0.85,
    figure: sameCase('scale-5000', native, integer, 'req/s'),
  },
  {
    issues: '7',
    goal: '10 active + 5000 idle ≥ 0.9× its rate at 1000 idle',
    subjects: 'wasm-epoll',
    test: 'atLeast',
    bound: 0.9,
    figure: ratioOf(caseMedian('scale-5000'), itself, caseMedian('scale-1000'), integer, 'req/s'),
  },
  {
    issues: '7',
    goal: '10 active + 10000 idle ≥ 0.9× its rate at 1000 idle',
    subjects: 'wasm-epoll',
    test: 'atLeast',
    bound: 0.9,
    figure: ratioOf(caseMedian('scale-10000'), itself, caseMedian('scale-1000'), integer, 'req/s'),
  },
  {
    issues: '7',
    goal: 'opening 5000 connections (each answered once) within 2× native epoll',
    subjects: 'wasm-epoll',
    test: 'atMost',
    bound: 2,
    figure: sameCase('setup-5000', native, secondsText, 's'),
  },
  {
    issues: '7',
    goal: "peak RSS at 10k idle below Node's net echo",
    subjects: 'wasm-epoll',
    test: 'below',
    bound: 1,
    figure: ratioOf(peakRssAt('scale-10000'), nodeEcho, peakRssAt('scale-10000'), mb, ''),
  },
  {
    issues: '7, 15',
    goal: "CLI start → first echo no slower than Node's net echo",
    subjects: 'wasm-epoll',
    test: 'atMost',
    bound: 1,
    figure: ratioOf(firstEcho, nodeEcho, firstEcho, ms, ''),
  },
  {
    issues: '15',
    goal: 'HTTP server, 20 keep-alive connections: ≥ 0.8× its native build',
    subjects: 'wasm-http',
    test: 'atLeast',
    bound: 0.8,
    figure: sameCase('http-20', native, integer, 'req/s'),
  },
  {
    issues: '15',
    goal: 'HTTP server, 500 keep-alive connections: ≥ 0.8× its native build',
    subjects: 'wasm-http',
    test: 'atLeast',
    bound: 0.8,
    figure: sameCase('http-500', native, integer, 'req/s'),
  },
  {
    issues: '15',
    goal: 'HTTP server: its rate at 500 connections ≥ 0.9× its rate at 20',
    subjects: 'wasm-http',
    test: 'atLeast',
    bound: 0.9,
    figure: ratioOf(caseMedian('http-500'), itself, caseMedian('http-20'), integer, 'req/s'),
  },
  {
    issues: '15',
    goal: 'run() of a module that exits at once ≤ 3× plain node:wasi (in-process)',
    subjects: 'session',
    subject: 'run()',
    test: 'atMost',
    bound: 3,
    figure: runExitFigure,
  },
  {
    issues: '16',
    goal: 'wasm client ≥ 0.8× the native C load generator (rr, native epoll server)',
    subjects: 'session',
    subject: 'wasm client',
    test: 'atLeast',
    bound: 0.8,
    figure: clientFigure,
  },
];

function targetMet(target: Target, figure: Figure): boolean {
  if (target.test === 'atLeast') return figure.value >= target.bound;
  if (target.test === 'atMost') return figure.value <= target.bound;
  return figure.value < target.bound;
}

/** The servers a target is checked for in this session. */
function subjectsOf(subjects: 'wasm-epoll' | 'wasm-http', servers: ServerSummary[]): ServerSummary[] {
  const measured = servers.filter((s) => s.runtime === 'wasm' && s.status !== 'unavailable');
  return subjects === 'wasm-epoll'
    ? measured.filter((s) => s.program === 'echo' && s.backend === 'epoll')
    : measured.filter((s) => s.program === 'http');
}

export function targetTable(session: Session): Table {
  const rows = TARGETS.flatMap((target) => {
    const row = (name: string, figure: Figure | null): string[] => [
      target.goal,
      target.issues,
      name,
      figure ? figure.text : 'not measured',
      figure ? (targetMet(target, figure) ? 'yes' : 'NO') : '—',
    ];
    if (target.subjects === 'session') return [row(target.subject, target.figure(session))];
    const subjects = subjectsOf(target.subjects, session.servers);
    return subjects.length ? subjects.map((s) => row(s.name, target.figure(s, session))) : [row('—', null)];
  });
  return {
    title: 'targets (issues 7, 15 and 16), medians of this session',
    headers: ['target', 'issue', 'server', 'figure', 'met'],
    rows,
  };
}
