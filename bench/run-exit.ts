// What run() costs a module that exits at once, against plain node:wasi
// running the same module: both measured in this one process, interleaved
// pair by pair, from the call to the exit code (reading the file, compiling,
// instantiating and starting it included on both sides), so the figure is
// what every short-lived program pays (each conformance test, each tool built
// to WASI) and a busy machine slows both alike.
// usage: node dist/bench/run-exit.js MODULE.wasm [RUNS]  → one JSON line
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
// The package's entry point, as a user imports it (self-reference through package.json "exports").
import { run } from 'wasi-evloop';

const [module, runsText = '30'] = process.argv.slice(2);
const runs = Number(runsText);
if (!module || !Number.isInteger(runs) || runs < 1 || process.argv.length > 4) {
  console.error('usage: run-exit MODULE.wasm [RUNS]');
  process.exit(2);
}
// node:wasi says it is experimental on every construction; that is not output to measure.
process.removeAllListeners('warning');

async function plainNodeWasi(): Promise<number> {
  const wasi = new WASI({ version: 'preview1', args: ['exit-now'], env: {}, returnOnExit: true });
  const compiled = await WebAssembly.compile(readFileSync(module!));
  const instance = await WebAssembly.instantiate(compiled, wasi.getImportObject() as WebAssembly.Imports);
  return wasi.start(instance);
}

async function timed(call: () => Promise<number>): Promise<number> {
  const started = performance.now();
  const code = await call();
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${module} exited ${code}, not 0`);
  return ms;
}

const runMs: number[] = [];
const nodeWasiMs: number[] = [];
for (let i = 0; i < runs; i++) {
  runMs.push(await timed(() => run(module, { stdout: 'ignore', stderr: 'ignore' })));
  nodeWasiMs.push(await timed(plainNodeWasi));
}
process.stdout.write(JSON.stringify({ module, runs, run_ms: runMs, node_wasi_ms: nodeWasiMs }) + '\n');
