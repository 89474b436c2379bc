// The soak's pass/fail rules, and the one table of figures they are judged on.
import type { Figures } from './figures.js';
import { dropLimitMs } from './scenarios/never-reader.js';

/** Descriptors a server may hold after the load beyond those it held before (lazily opened runtime fds). */
export const FD_SLACK = 4;
/** Idle CPU above this (% of one core) after the load stops is a spin. */
export const IDLE_CPU_LIMIT_PERCENT = 5;
/**
 * Unbounded growth: the highest RSS in the last third of the run may exceed
 * the highest in the middle third by at most this fraction of it, or this
 * floor, whichever is more (a garbage-collected heap breathes by that much:
 * ±10 MiB seen on wasm-epoll). The first third is warm-up: JIT, heap sizing,
 * buffers reaching their high-water marks.
 */
export const RSS_GROWTH_FRACTION = 0.1;
export const RSS_GROWTH_FLOOR_KIB = 16 * 1024;
/** Fewer samples than this cannot tell growth from warm-up. */
export const RSS_MIN_SAMPLES = 6;

export interface Row {
  check: string;
  figure: string;
  rule: string;
  /** true: passed; false: failed; null: a figure with no rule, or not measurable. */
  ok: boolean | null;
}

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 2 ** 20) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 2 ** 30) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}
const kibToMib = (kib: number): string => (kib / 1024).toFixed(0);

export function rssGrowthLimitKiB(middleThirdMaxKiB: number): number {
  return Math.max(middleThirdMaxKiB * RSS_GROWTH_FRACTION, RSS_GROWTH_FLOOR_KIB);
}

function scenarioRows(f: Figures): Row[] {
  const rows: Row[] = [];
  for (const s of f.scenarios) {
    const parts = [`${n(s.connections)} conns, ${n(s.completed)} ok, ${n(s.errors)} errors`];
    if (s.bytesEchoed > 0 || s.bytesLost > 0) {
      parts.push(`${size(s.bytesEchoed)} echoed of ${size(s.bytesSent)}, ${n(s.bytesLost)} B lost, ${n(s.bytesWrong)} B wrong`);
    } else if (s.bytesSent > 0) {
      parts.push(`${size(s.bytesSent)} sent`);
    }
    rows.push({
      check: s.name,
      figure: parts.join('; '),
      rule: 'connects; no errors, no byte lost or wrong',
      ok: s.connections > 0 && s.errors === 0 && s.bytesLost === 0 && s.bytesWrong === 0,
    });
    if (s.name === 'never-reader') rows.push(dropRow(f));
    if (s.roundTripMs) {
      const r = s.roundTripMs;
      rows.push({
        check: `${s.name} round trip`,
        figure: `connect + echo: median ${r.median.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(0)} ms`,
        rule: '',
        ok: null,
      });
    }
  }
  return rows;
}

function dropRow(f: Figures): Row {
  const scenario = f.scenarios.find((s) => s.name === 'never-reader');
  const drops = scenario?.dropMs ?? null;
  const readAgain = scenario?.readAgainMs ?? null;
  const stall = f.stallTimeoutMs;
  let figure = drops
    ? `${n(drops.count)} dropped; connect → drop min ${n(drops.min)}, median ${n(drops.median)}, max ${n(drops.max)} ms`
    : 'none dropped';
  // A server that gave up on a peer but keeps reading it shows here.
  if (readAgain) figure += `; ${n(readAgain.count)} read from again after stalling (median at ${n(readAgain.median)} ms)`;
  if (stall === 0) return { check: 'never-reader drop', figure, rule: 'server has no stall timeout', ok: null };
  const limit = dropLimitMs(stall);
  return {
    check: 'never-reader drop',
    figure,
    rule: `each dropped, ${n(stall)}–${n(limit)} ms after connect`,
    ok: drops !== null && drops.min >= stall && drops.max <= limit,
  };
}

function rssRows(f: Figures): Row[] {
  if (f.rss.length === 0) return [{ check: 'server RSS', figure: 'n/a (no server process to read)', rule: '', ok: null }];
  const series = f.rss.map((r) => r.kib);
  const every = Math.max(1, Math.ceil(series.length / 12));
  const shown = series.filter((_, i) => i % every === 0 || i === series.length - 1).map(kibToMib);
  const rows: Row[] = [
    {
      check: 'server RSS over time',
      figure: `${shown.join(' ')} MiB (every ${every} s)${f.rssAfterKiB === null ? '' : `; ${kibToMib(f.rssAfterKiB)} MiB idle after`}`,
      rule: '',
      ok: null,
    },
  ];
  const rule = `last third max ≤ middle third max + max(${RSS_GROWTH_FRACTION * 100} %, ${RSS_GROWTH_FLOOR_KIB / 1024} MiB)`;
  if (series.length < RSS_MIN_SAMPLES) {
    rows.push({ check: 'server RSS growth', figure: `n/a (${series.length} samples; needs ${RSS_MIN_SAMPLES})`, rule, ok: null });
    return rows;
  }
  const third = Math.floor(series.length / 3);
  const middle = Math.max(...series.slice(third, series.length - third));
  const last = Math.max(...series.slice(series.length - third));
  rows.push({
    check: 'server RSS growth',
    figure: `middle third max ${kibToMib(middle)} MiB, last third max ${kibToMib(last)} MiB (limit ${kibToMib(middle + rssGrowthLimitKiB(middle))})`,
    rule,
    ok: last - middle <= rssGrowthLimitKiB(middle),
  });
  return rows;
}

function processRows(f: Figures): Row[] {
  const fds: Row =
    f.fdsBefore === null || f.fdsAfter === null
      ? { check: 'server fds', figure: 'n/a (no server process to read)', rule: '', ok: null }
      : {
          check: 'server fds',
          figure: `${f.fdsBefore} before, ${f.fdsAfter} after (peak ${f.fdsPeak ?? 'n/a'})`,
          rule: `after ≤ before + ${FD_SLACK}`,
          ok: f.fdsAfter <= f.fdsBefore + FD_SLACK,
        };
  const cpu: Row =
    f.idleCpuPercent === null
      ? { check: 'server idle CPU', figure: 'n/a (no server process to read)', rule: '', ok: null }
      : {
          check: 'server idle CPU',
          figure: `${f.idleCpuPercent.toFixed(1)} % of a core, over 2 s after the load`,
          rule: `≤ ${IDLE_CPU_LIMIT_PERCENT} %`,
          ok: f.idleCpuPercent <= IDLE_CPU_LIMIT_PERCENT,
        };
  return [fds, cpu];
}

function serverRows(f: Figures): Row[] {
  const rows: Row[] = [];
  if (f.unfinished.length) {
    rows.push({ check: 'run bound', figure: `still running at the bound: ${f.unfinished.join(', ')}`, rule: 'every client ends in time', ok: false });
  }
  if (f.endedDuringRun) rows.push({ check: 'server', figure: f.endedDuringRun, rule: 'runs until stopped', ok: false });
  if (f.stop) {
    const s = f.stop;
    rows.push({
      check: 'server stop',
      figure: `SIGTERM → ${s.signal ? `signal ${s.signal}` : `exit ${s.code}`}${s.graceful ? '' : ' (not graceful)'}`,
      rule: 'exits 0 within 5 s',
      ok: !f.endedDuringRun && s.graceful,
    });
    if (s.stats) rows.push({ check: 'server stats', figure: s.stats.replace(/^stats: /, ''), rule: '', ok: null });
  }
  return rows;
}

export function judge(f: Figures): Row[] {
  const lost = f.scenarios.reduce((sum, s) => sum + s.bytesLost, 0);
  const wrong = f.scenarios.reduce((sum, s) => sum + s.bytesWrong, 0);
  return [
    ...scenarioRows(f),
    { check: 'bytes lost / wrong', figure: `${n(lost)} / ${n(wrong)} (all scenarios)`, rule: '0 / 0', ok: lost === 0 && wrong === 0 },
    ...rssRows(f),
    ...processRows(f),
    ...serverRows(f),
  ];
}
