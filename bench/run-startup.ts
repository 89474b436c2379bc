// run() of a module that exits at once, against plain node:wasi for the same
// module: what every short-lived WASI program (a CLI tool, a conformance test)
// pays to start under the API. Interleaved sample by sample, medians.
//
// In this process, each given the module's bytes: plain node:wasi (compile,
// instantiate, start), run() (a worker kept warm from the module before: the
// API's default; run() keeps the compiled module by its bytes' hash), and
// run() with a cold worker each time. Then the first
// run() of fresh processes, where the worker is always cold: through the
// bundled API (dist/node/index.js, the package's export, whose worker is one
// file) and through the unbundled build (dist/ts/), its worker some forty modules.
//
// usage: node dist/bench/run-startup.js [--runs N] [--processes M] [--runtime node|shim]

import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { WASI } from 'node:wasi';
import wabt from 'wabt';
import { runWith } from '../ts/facade/run.js';
import { run, RUNTIMES, type RuntimeName } from '../ts/index.js';
import { repoRoot } from './servers.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '200' }, processes: { type: 'string', default: '15' }, runtime: { type: 'string', default: 'node' } },
});
const runs = Number(values.runs);
const processes = Number(values.processes);
const runtime = values.runtime as RuntimeName;
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(processes) || processes < 0 || !RUNTIMES.includes(runtime)) {
  console.error('usage: node dist/bench/run-startup.js [--runs N] [--processes M] [--runtime node|shim]');
  process.exit(2);
}

const parsed = (await wabt()).parseWat('exit.wat', `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 0))))`);
const bytes = parsed.toBinary({}).buffer;
parsed.destroy();

process.removeAllListeners('warning'); // node:wasi's experimental warning

async function plainNodeWasi(): Promise<number> {
  const wasi = new WASI({ version: 'preview1', args: ['exit'], env: {}, returnOnExit: true });
  const instance = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, wasi.getImportObject() as WebAssembly.Imports);
  return wasi.start(instance.instance);
}

const kinds: [string, () => Promise<number>][] = [
  ['plain node:wasi', plainNodeWasi],
  ['run(), warm worker', () => run(bytes, { runtime })],
  ['run(), cold worker', () => runWith(bytes, { runtime }, { thread: 'worker' })],
];
const times = new Map(kinds.map(([name]) => [name, [] as number[]]));
for (let i = 0; i < runs; i++) {
  for (const [name, once] of kinds) {
    const started = performance.now();
    const code = await once();
    times.get(name)!.push(performance.now() - started);
    if (code !== 0) throw new Error(`${name}: exit ${code}`);
  }
}

/** The first run() of a fresh process, through `entry` (the API's file): ms from the call to its result. */
function firstRun(entry: string): number {
  const script = `
    const { run } = await import(${JSON.stringify(entry)});
    const bytes = new Uint8Array(${JSON.stringify([...bytes])});
    const started = performance.now();
    await run(bytes, { runtime: ${JSON.stringify(runtime)} });
    console.log(performance.now() - started);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  const ms = Number(child.stdout.trim());
  if (child.status !== 0 || !Number.isFinite(ms)) throw new Error(`first run through ${entry}: ${child.stderr}`);
  return ms;
}
const fresh: [string, string][] = [
  ['first run() of a process, bundled API', `${repoRoot}dist/node/index.js`],
  ['first run() of a process, unbundled', `${repoRoot}dist/ts/index.js`],
];
for (const [name] of fresh) times.set(name, []);
for (let i = 0; i < processes; i++) for (const [name, entry] of fresh) times.get(name)!.push(firstRun(entry));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const plain = median(times.get('plain node:wasi')!);
console.log(`run() of a module that exits at once, runtime ${runtime}: ${runs} interleaved runs in this process, ${processes} fresh processes; Node ${process.version}`);
for (const [name, xs] of times) {
  if (xs.length === 0) continue;
  const m = median(xs);
  console.log(`${name.padEnd(40)} median ${m.toFixed(2).padStart(8)} ms  (${(m / plain).toFixed(1)}x plain node:wasi)  min ${Math.min(...xs).toFixed(2)}`);
}
