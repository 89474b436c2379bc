// The performance targets for the wasm epoll server, checked against
// one session's summaries. The targets are stated for the kernel transport;
// every wasm epoll kind in the session gets a column so the transports can
// be compared on the same terms.
import { caseMedian, integer, nativeOf, nodeEchoOf, quotient, secondsText, type ServerSummary, type Table } from './report.js';

interface Figure {
  /** The number compared with the bound. */
  value: number;
  /** How it reads in the table, e.g. "0.91× (150,000 / 164,000 req/s)". */
  text: string;
}

export interface Target {
  /** What the issue asks, in its words. */
  goal: string;
  /** The value must be at least (`atLeast`) or below (`below`, strictly) / at most (`atMost`) the bound. */
  test: 'atLeast' | 'atMost' | 'below';
  bound: number;
  /** The figure for `subject` in this session, or null when a case it needs was not measured. */
  figure(subject: ServerSummary, servers: ServerSummary[]): Figure | null;
}


/** subject's case median over another server's (or another case's), as a ratio. */
function ratioOf(
  caseId: string,
  other: (subject: ServerSummary, servers: ServerSummary[]) => { server?: ServerSummary; caseId: string },
  format: (n: number) => string,
  unit: string,
) {
  return (subject: ServerSummary, servers: ServerSummary[]): Figure | null => {
    const ref = other(subject, servers);
    const a = caseMedian(caseId)(subject);
    const b = caseMedian(ref.caseId)(ref.server);
    const value = quotient(a, b);
    if (value === undefined) return null;
    return { value, text: `${value.toFixed(2)}× (${format(a!)} / ${format(b!)} ${unit})` };
  };
}

const native = (caseId: string) => (subject: ServerSummary, servers: ServerSummary[]) => ({ server: nativeOf(subject, servers), caseId });
const nodeEcho = (caseId: string) => (_: ServerSummary, servers: ServerSummary[]) => ({ server: nodeEchoOf(servers), caseId });
const itself = (caseId: string) => (subject: ServerSummary) => ({ server: subject, caseId });

/** subject's figure over node-echo's, for figures that are not case metrics (memory, start-up). */
function againstNodeEcho(pick: (s: ServerSummary) => number | undefined, format: (n: number) => string) {
  return (subject: ServerSummary, servers: ServerSummary[]): Figure | null => {
    const a = pick(subject);
    const b = (() => {
      const node = nodeEchoOf(servers);
      return node && pick(node);
    })();
    const value = quotient(a, b);
    if (value === undefined) return null;
    return { value, text: `${value.toFixed(2)}× (${format(a!)} / ${format(b!)})` };
  };
}

const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;
const ms = (n: number): string => `${n.toFixed(0)} ms`;
const peakRssAt = (caseId: string) => (s: ServerSummary): number | undefined => s.cases[caseId]?.peak_rss_kb?.max;

const TARGETS: readonly Target[] = [
  { goal: 'rr ≥ 0.85× native epoll', test: 'atLeast', bound: 0.85, figure: ratioOf('rr', native('rr'), integer, 'req/s') },
  { goal: 'stream ≥ 0.85× native epoll', test: 'atLeast', bound: 0.85, figure: ratioOf('stream', native('stream'), integer, 'MB/s') },
  { goal: "rr ≥ 1.3× Node's net echo", test: 'atLeast', bound: 1.3, figure: ratioOf('rr', nodeEcho('rr'), integer, 'req/s') },
  {
    goal: '10 active + 5000 idle ≥ 0.9× its rate at 1000 idle',
    test: 'atLeast',
    bound: 0.9,
    figure: ratioOf('scale-5000', itself('scale-1000'), integer, 'req/s'),
  },
  {
    goal: '10 active + 10000 idle ≥ 0.9× its rate at 1000 idle',
    test: 'atLeast',
    bound: 0.9,
    figure: ratioOf('scale-10000', itself('scale-1000'), integer, 'req/s'),
  },
  {
    goal: 'opening 5000 connections (each answered once) within 2× native epoll',
    test: 'atMost',
    bound: 2,
    figure: ratioOf('setup-5000', native('setup-5000'), secondsText, 's'),
  },
  {
    goal: "peak RSS at 10k idle below Node's net echo",
    test: 'below',
    bound: 1,
    figure: againstNodeEcho(peakRssAt('scale-10000'), mb),
  },
  {
    goal: "start to first echo no slower than Node's net echo",
    test: 'atMost',
    bound: 1,
    figure: againstNodeEcho((s) => s.first_echo_ms?.median, ms),
  },
];

function targetMet(target: Target, figure: Figure): boolean {
  if (target.test === 'atLeast') return figure.value >= target.bound;
  if (target.test === 'atMost') return figure.value <= target.bound;
  return figure.value < target.bound;
}

/** The wasm epoll kinds of the session: the targets' subjects. */
const targetSubjects = (servers: ServerSummary[]): ServerSummary[] =>
  servers.filter((s) => s.runtime === 'wasm' && s.backend === 'epoll' && s.status !== 'unavailable');

export function targetTable(servers: ServerSummary[]): Table {
  const subjects = targetSubjects(servers);
  return {
    title: 'targets (issue 7) for wasm epoll, medians of this session',
    headers: ['target', ...subjects.flatMap((s) => [s.name, 'met'])],
    rows: TARGETS.map((target) => [
      target.goal,
      ...subjects.flatMap((s) => {
        const figure = target.figure(s, servers);
        return figure ? [figure.text, targetMet(target, figure) ? 'yes' : 'NO'] : ['not measured', '—'];
      }),
    ]),
  };
}
