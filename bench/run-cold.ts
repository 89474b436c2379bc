// What run() pays for a module that exits at once when no worker is warm
// (bench/run-exit.ts measures the usual case: a loop of run() in one
// process, whose workers are kept warm): in this process with a cold worker
// each time, and as the first run() of a fresh process, through the bundled
// API (dist/node/index.js, the package's export, whose worker is one file)
// and through the unbundled build (dist/ts/), its worker some forty modules.
// Medians and minimums, interleaved.
// usage: node dist/bench/run-cold.js [--runs N] [--processes M]

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runWith } from '../ts/facade/run.js';
import { repoRoot } from './servers.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' }, processes: { type: 'string', default: '15' } } });
const runs = Number(values.runs);
const processes = Number(values.processes);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(processes) || processes < 1) {
  console.error('usage: node dist/bench/run-cold.js [--runs N] [--processes M]');
  process.exit(2);
}
const module = `${repoRoot}wasm/exit-now.wasm`;
const bytes = readFileSync(module);

const times = new Map<string, number[]>([['cold worker, in this process', []]]);
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const code = await runWith(bytes, { stdout: 'ignore', stderr: 'ignore' }, { thread: 'worker' });
  if (code !== 0) throw new Error(`exit-now exited ${code}`);
  times.get('cold worker, in this process')!.push(performance.now() - started);
}

/** The first run() of a fresh process, through `entry` (the API's file): ms from the call to its result. */
function firstRun(entry: string): number {
  const script = `
    const { run } = await import(${JSON.stringify(entry)});
    const started = performance.now();
    await run(${JSON.stringify(module)}, { stdout: 'ignore', stderr: 'ignore' });
    process.stdout.write(String(performance.now() - started));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  const ms = Number(child.stdout);
  if (child.status !== 0 || !Number.isFinite(ms)) throw new Error(`first run() through ${entry}: ${child.stderr}`);
  return ms;
}
const fresh: [string, string][] = [
  ['first run() of a process, bundled API', `${repoRoot}dist/node/index.js`],
  ['first run() of a process, unbundled', `${repoRoot}dist/ts/index.js`],
];
for (const [name] of fresh) times.set(name, []);
for (let i = 0; i < processes; i++) for (const [name, entry] of fresh) times.get(name)!.push(firstRun(entry));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`run() of ${module} with no warm worker: ${runs} runs in this process, ${processes} fresh processes each; Node ${process.version}`);
for (const [name, xs] of times) console.log(`${name.padEnd(40)} median ${median(xs).toFixed(1).padStart(7)} ms  min ${Math.min(...xs).toFixed(1)} ms`);
