// Per-test time of the WASI test suite: plain node:wasi (in this thread, as
// the suite's numbers for "plain node:wasi" were taken) against run() with
// each runtime (a worker, the socket host composed) and the CLI (a process
// per test, the module on its starting thread). Interleaved test by test, so
// a busy machine slows them all alike. Each time counts
// the fresh copy of the preopened directory, the compile, the run and the
// output check. Not a test: `node dist/test/helpers/conformance-timing.js`.

import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import { moduleRunners } from './module-runners.js';
import { discover, freshCopy, runTestCase, SUITE_DIR, type TestCase } from './wasi-testsuite.js';

process.removeAllListeners('warning');

/** The test as plain node:wasi runs it: passed, and milliseconds. */
async function plainNodeWasi(test: TestCase): Promise<{ passed: boolean; ms: number }> {
  const started = performance.now();
  const run = test.operations.find((op) => op.type === 'run')!;
  const wait = test.operations.find((op) => op.type === 'wait');
  const out = mkdtempSync(join(tmpdir(), 'wasi-plain-'));
  const copy = run.root === null ? null : freshCopy(run.root);
  const stdout = openSync(join(out, 'stdout'), 'w+');
  const stderr = openSync(join(out, 'stderr'), 'w+');
  let passed = false;
  try {
    const wasi = new WASI({
      version: 'preview1',
      args: [test.wasm.split('/').pop()!, ...run.args],
      env: run.env,
      preopens: copy === null ? {} : { '/': copy.path },
      stdout,
      stderr,
      returnOnExit: true,
    });
    const module = await WebAssembly.compile(readFileSync(test.wasm));
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
    let code: number | null;
    try {
      code = wasi.start(instance);
    } catch {
      code = null;
    }
    const text = readFileSync(join(out, 'stdout'), 'utf8');
    const errors = readFileSync(join(out, 'stderr'), 'utf8');
    passed = code === (wait?.type === 'wait' ? wait.exit_code : 0);
    const at = { stdout: 0, stderr: 0 };
    for (const op of test.operations) {
      if (op.type !== 'read') continue;
      const stream = op.id === 'stdout' ? text : errors;
      if (stream.slice(at[op.id], at[op.id] + op.payload.length) !== op.payload) passed = false;
      at[op.id] += op.payload.length;
    }
  } finally {
    closeSync(stdout);
    closeSync(stderr);
    copy?.remove();
    rmSync(out, { recursive: true, force: true });
  }
  return { passed, ms: performance.now() - started };
}

const cases = discover();
if (cases.length === 0) {
  console.log(`the WASI test suite is not at ${SUITE_DIR}`);
  process.exit(1);
}
const runners = moduleRunners(['kernel']);
const kinds = ['plain node:wasi', ...runners.map((r) => r.name)];
const times: number[][] = kinds.map(() => []);
const passes = kinds.map(() => 0);
for (const test of cases) {
  const plain = await plainNodeWasi(test);
  times[0]!.push(plain.ms);
  passes[0] += plain.passed ? 1 : 0;
  for (const [i, runner] of runners.entries()) {
    const result = await runTestCase(test, runner);
    times[i + 1]!.push(result.ms);
    passes[i + 1] += result.passed ? 1 : 0;
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`${cases.length} tests, ${new Date().toISOString()}, Node ${process.version}`);
for (const [i, kind] of kinds.entries()) {
  console.log(`${kind.padEnd(22)} passes ${String(passes[i]).padStart(2)}/${cases.length}   per test: median ${median(times[i]!).toFixed(1)} ms, mean ${mean(times[i]!).toFixed(1)} ms, total ${(times[i]!.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s`);
}
