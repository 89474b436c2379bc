// The page's contract for automated checks (?auto=1): with no interaction it
// runs each backend at 0, 1,000 and 5,000 idle connections for a few seconds
// each, then marks each panel [data-backend] with data-status ("ok": every
// echo verified; "failed"), data-rps-0/-1000/-5000 and data-refused, and sets
// data-done="1" on <body>. A page that cannot run the servers at all (the
// browser lacks something) marks every panel failed at once, says why in
// <body data-unavailable="…">, and is done: a script waiting for data-done
// never waits in vain.

import type { Lane } from './lane.js';

export const LEVELS = [0, 1000, 5000] as const;
const WARM_MS = 500;
const MEASURE_MS = 2500;

export interface Scenario {
  lanes: readonly Lane[];
  start(): Promise<void>;
  stop(): Promise<void>;
  setIdle(n: number): Promise<void>;
  say(text: string): void;
}

/** Marks the page as unable to run, with the reason the status line shows. */
export function markUnavailable(why: string): void {
  document.querySelectorAll<HTMLElement>('[data-backend]').forEach((panel) => (panel.dataset.status = 'failed'));
  document.body.dataset.unavailable = why;
  document.body.dataset.done = '1';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runScenario({ lanes, start, stop, setIdle, say }: Scenario): Promise<void> {
  const rates = new Map<Lane, number[]>(lanes.map((l) => [l, []]));
  try {
    await start();
    for (const level of LEVELS) {
      await setIdle(level);
      await sleep(WARM_MS);
      const before = lanes.map((l) => l.counts.echoes);
      const begun = performance.now();
      await sleep(MEASURE_MS);
      const seconds = (performance.now() - begun) / 1000;
      lanes.forEach((lane, i) => rates.get(lane)!.push(Math.round((lane.counts.echoes - before[i]!) / seconds)));
      say(`Scenario: ${level} idle measured.`);
    }
  } finally {
    await stop();
    for (const lane of lanes) {
      const panel = document.querySelector<HTMLElement>(`[data-backend="${lane.backend}"]`)!;
      const measured = rates.get(lane)!;
      const ok = measured.length === LEVELS.length && lane.counts.failures === 0 && lane.counts.echoes > 0;
      panel.dataset.status = ok ? 'ok' : 'failed';
      LEVELS.forEach((level, i) => panel.setAttribute(`data-rps-${level}`, String(measured[i] ?? 0)));
      panel.dataset.refused = String(lane.counts.refused);
    }
    document.body.dataset.done = '1';
    say('Scenario done.');
  }
}
