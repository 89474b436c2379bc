// Everything one soak run measured, as plain data (also written with --json).
import type { StopResult } from './target.js';
import type { Tally } from './tally.js';

export interface Spread {
  count: number;
  min: number;
  median: number;
  p99: number;
  max: number;
}

export interface ScenarioFigures {
  name: string;
  load: string;
  connections: number;
  completed: number;
  errors: number;
  firstErrors: string[];
  bytesSent: number;
  bytesEchoed: number;
  bytesLost: number;
  bytesWrong: number;
  dropMs: Spread | null;
  readAgainMs: Spread | null;
  roundTripMs: Spread | null;
}

export interface Figures {
  target: string;
  notes: string[];
  seconds: number;
  stallTimeoutMs: number;
  scenarios: ScenarioFigures[];
  /** Server RSS once a second while the load ran; `s` is seconds since it started. */
  rss: { s: number; kib: number }[];
  rssAfterKiB: number | null;
  fdsBefore: number | null;
  fdsPeak: number | null;
  fdsAfter: number | null;
  /** Server CPU over IDLE_WINDOW_MS after the load stopped, in % of one core. */
  idleCpuPercent: number | null;
  /** Why the server is gone, when it ended during the run. */
  endedDuringRun: string | null;
  /** Scenarios still running at the drain bound (their sockets were destroyed). */
  unfinished: string[];
  stop: StopResult | null;
}

export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { count: sorted.length, min: sorted[0], median: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

export function scenarioFigures(name: string, load: string, t: Tally): ScenarioFigures {
  return {
    name,
    load,
    connections: t.connections,
    completed: t.completed,
    errors: t.errors,
    firstErrors: [...t.firstErrors],
    bytesSent: t.bytesSent,
    bytesEchoed: t.bytesEchoed,
    bytesLost: t.bytesLost,
    bytesWrong: t.bytesWrong,
    dropMs: spread(t.dropMs),
    readAgainMs: spread(t.readAgainMs),
    roundTripMs: spread(t.roundTripMs),
  };
}
