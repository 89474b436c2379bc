// A whole process that runs a module which exits at once, from its spawn to
// its exit: `wasi-evloop run` (the module on the CLI's starting thread, and
// with --worker) against a fresh Node process running the same file with
// plain node:wasi, the least any Node-hosted WASI command can pay (no
// wasmtime here to compare with). Interleaved, pinned as the bench pins its
// servers; medians and minimums.
// usage: node dist/bench/cli-exit.js [--runs N]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from './servers.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error('usage: node dist/bench/cli-exit.js [--runs N]');
  process.exit(2);
}
const module = `${repoRoot}wasm/exit-now.wasm`;
const cli = `${repoRoot}bin/wasi-evloop.js`;

// A CommonJS file, as the CLI's bin is: the baseline gets the same quicker start.
const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-cli-exit-'));
const plain = join(dir, 'plain-wasi.cjs');
writeFileSync(plain, `
  const { WASI } = require('node:wasi');
  process.removeAllListeners('warning');
  const wasi = new WASI({ version: 'preview1', args: ['exit-now'], env: {}, returnOnExit: true });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(require('node:fs').readFileSync(${JSON.stringify(module)})), wasi.getImportObject());
  process.exitCode = wasi.start(instance);`);

const kinds: [string, string[]][] = [
  ['plain node:wasi, fresh node', [plain]],
  ['wasi-evloop run (starting thread)', [cli, 'run', module]],
  ['wasi-evloop run --worker', [cli, 'run', module, '--worker']],
];

const pin = availableParallelism() > 1 ? ['taskset', '-c', '1'] : [];
const times = new Map(kinds.map(([name]) => [name, [] as number[]]));
for (let i = 0; i < runs; i++) {
  for (const [name, args] of kinds) {
    const argv = [...pin, process.execPath, ...args];
    const started = performance.now();
    const child = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 30_000 });
    const ms = performance.now() - started;
    if (child.status !== 0) throw new Error(`${name}: exit ${child.status} ${child.signal ?? ''}: ${child.stderr}`);
    times.get(name)!.push(ms);
  }
}
rmSync(dir, { recursive: true });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(times.get(kinds[0]![0])!);
console.log(`spawn → exit of a process running ${module}, ${runs} interleaved runs each, ${pin.length ? 'pinned to CPU 1' : 'not pinned'}; Node ${process.version}`);
for (const [name, xs] of times) {
  const m = median(xs);
  console.log(`${name.padEnd(36)} median ${m.toFixed(1).padStart(7)} ms (${(m / base).toFixed(2)}x plain)  min ${Math.min(...xs).toFixed(1)} ms`);
}
