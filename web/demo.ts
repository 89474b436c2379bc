// The lesson page: three lanes (select, poll, epoll) side by side, the load
// controls, the live chart, and the numbers each panel shows. With ?auto=1 it
// runs the scenario of auto.ts by itself and marks the panels with the results.

import { BACKENDS, browserUnavailable } from '../ts/browser/index.js';
import { markUnavailable, runScenario } from './auto.js';
import type { RateChart } from './chart.js';
import { Lane } from './lane.js';

const SAMPLE_MS = 500;

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const status = $('#status');
const idleInput = $<HTMLInputElement>('#idle');
const idleValue = $<HTMLOutputElement>('#idle-value');
const activeInput = $<HTMLInputElement>('#active');
const startButton = $<HTMLButtonElement>('#start');
const stopButton = $<HTMLButtonElement>('#stop');

const FIELDS = [
  ['rate', 'req/s now'],
  ['echoes', 'echoes verified'],
  ['bytes', 'bytes verified'],
  ['idle', 'idle connections held'],
  ['refused', 'connections refused'],
  ['failures', 'failed clients'],
] as const;

const lanes = BACKENDS.map((backend) => new Lane(backend));
const panels = new Map<Lane, Record<(typeof FIELDS)[number][0], HTMLElement>>();
for (const lane of lanes) {
  const panel = $(`[data-backend="${lane.backend}"]`);
  const list = document.createElement('dl');
  const cells = {} as Record<(typeof FIELDS)[number][0], HTMLElement>;
  for (const [key, label] of FIELDS) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = '0';
    if (key === 'rate') dd.className = 'rate';
    list.append(dt, dd);
    cells[key] = dd;
  }
  panel.append(list);
  panels.set(lane, cells);
}

// The chart is loaded on its own: a browser where it cannot start (uPlot
// formats numbers in navigator.language, and WebKitGTK under LANG=C.UTF-8 says "C",
// which Intl rejects) still runs the lesson, and says what is missing.
let chart: RateChart | null = null;
try {
  const { RateChart } = await import('./chart.js');
  chart = new RateChart($('#chart'), BACKENDS);
} catch (error) {
  $('#chart').textContent = `No live chart in this browser (${error instanceof Error ? error.message : String(error)}); the panels below still count.`;
}
const numbers = new Intl.NumberFormat('en');
let sampler: ReturnType<typeof setInterval> | null = null;
let running = false;

function say(text: string): void {
  status.textContent = text;
}

/** Samples every lane: rates for the chart and the panels. Returns the rates. */
function startSampling(): void {
  const begun = performance.now();
  let last = lanes.map((l) => l.counts.echoes);
  let lastAt = begun;
  sampler = setInterval(() => {
    const now = performance.now();
    const rates = lanes.map((lane, i) => ((lane.counts.echoes - last[i]!) * 1000) / (now - lastAt));
    last = lanes.map((l) => l.counts.echoes);
    lastAt = now;
    chart?.add(Math.round((now - begun) / 100) / 10, rates);
    lanes.forEach((lane, i) => {
      const cells = panels.get(lane)!;
      cells.rate.textContent = numbers.format(Math.round(rates[i]!));
      cells.echoes.textContent = numbers.format(lane.counts.echoes);
      cells.bytes.textContent = numbers.format(lane.counts.verifiedBytes);
      cells.idle.textContent = numbers.format(lane.counts.idleHeld);
      cells.refused.textContent = numbers.format(lane.counts.refused);
      cells.failures.textContent = numbers.format(lane.counts.failures);
      if (lane.counts.failures > 0) cells.failures.title = lane.lastFailure;
    });
  }, SAMPLE_MS);
}

async function start(): Promise<void> {
  if (running) return;
  running = true;
  startButton.disabled = true;
  say('Starting the three servers…');
  await Promise.all(lanes.map((lane) => lane.start((line) => console.info(line))));
  stopButton.disabled = false;
  startSampling();
  for (const lane of lanes) lane.setActive(Number(activeInput.value));
  await applyIdle();
}

async function stop(): Promise<void> {
  if (!running) return;
  running = false;
  stopButton.disabled = true;
  if (sampler !== null) clearInterval(sampler);
  say('Stopping…');
  await Promise.all(lanes.map((lane) => lane.stop()));
  say('Stopped.');
  startButton.disabled = false;
}

async function applyIdle(): Promise<void> {
  const n = Number(idleInput.value);
  say(`Opening ${numbers.format(n)} idle connections per server…`);
  await Promise.all(lanes.map((lane) => lane.setIdle(n)));
  if (running) say(`Running: ${numbers.format(n)} idle connections and ${activeInput.value} active clients per server.`);
}

idleInput.addEventListener('input', () => (idleValue.textContent = numbers.format(Number(idleInput.value))));
idleInput.addEventListener('change', () => void (running && applyIdle()));
activeInput.addEventListener('change', () => {
  const n = Math.min(32, Math.max(1, Math.round(Number(activeInput.value)) || 1));
  activeInput.value = String(n);
  if (running) for (const lane of lanes) lane.setActive(n);
});
startButton.addEventListener('click', () => void start().catch(report));
stopButton.addEventListener('click', () => void stop().catch(report));

function report(error: unknown): void {
  say(`Error: ${error instanceof Error ? error.message : String(error)}`);
  console.error(error);
}

const why = browserUnavailable();
if (why !== null) {
  say(`This page cannot run the servers: ${why}.`);
  startButton.disabled = true;
  markUnavailable(why);
} else if (new URLSearchParams(location.search).get('auto') === '1') {
  void runScenario({
    lanes,
    start,
    stop,
    setIdle: async (n) => {
      idleInput.value = String(n);
      idleValue.textContent = numbers.format(n);
      await applyIdle();
    },
    say,
  }).catch(report);
}
