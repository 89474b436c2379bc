// The WASI test suite under every other JavaScript runtime (Node 22, 24, 26,
// Deno, Bun; test/conformance.test.ts runs it in this one): each runtime runs
// every case under each WASI runtime it can host, in one process of its own
// (helpers/conformance-child.ts), and each case is one test here.
//
// Under Deno the child gets read and write access everywhere, because
// Deno's symlinkSync refuses any path-scoped grant (README, "Where it runs").
//
// EXPECTED_FAILURES lists what a runtime cannot do, with the reason; a listed
// test that starts passing fails here, so the list stays true.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES, type RuntimeName } from '../ts/index.js';
import type { CaseLine } from './helpers/conformance-child.js';
import { forEachJsRuntime, usable, type Family, type JsRuntime } from './helpers/js-runtimes.js';
import { REPO } from './helpers/servers.js';
import { discover, SUITE_DIR } from './helpers/wasi-testsuite.js';

const DENO_MS_TIMES = "Deno's node:fs reports file times in whole milliseconds (its stat has no nanoseconds), so a time set to the nanosecond reads back changed";

export const EXPECTED_FAILURES: readonly { family: Family; runtime: RuntimeName; test: string; reason: string }[] = [
  { family: 'deno', runtime: 'shim', test: 'rust/fd_filestat_set', reason: DENO_MS_TIMES },
  { family: 'deno', runtime: 'shim', test: 'rust/path_filestat', reason: DENO_MS_TIMES },
  { family: 'deno', runtime: 'shim', test: 'rust/symlink_filestat', reason: DENO_MS_TIMES },
];

/** Whole suite under one JavaScript runtime: its lines by "runtime name", once the child has ended. */
function runSuite(rt: JsRuntime, runtimes: RuntimeName[]): Promise<Map<string, CaseLine>> {
  const argv = rt.argv(join(REPO, 'dist', 'test', 'helpers', 'conformance-child.js'), runtimes, {
    // Unscoped: Deno's symlinkSync accepts no path-scoped grant.
    read: '*',
    write: '*',
    env: ['TMPDIR', 'TMP', 'TEMP', 'WASI_TESTSUITE'],
    run: ['touch'],
    ffi: true,
  });
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.stderr.on('data', (b: Buffer) => (err += b));
    // Each case is bounded by TEST_TIMEOUT_MS inside; this bounds the child as a whole.
    const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const lines = new Map<string, CaseLine>();
      for (const line of out.split('\n').filter(Boolean)) {
        const parsed = JSON.parse(line) as CaseLine;
        lines.set(`${parsed.runtime} ${parsed.name}`, parsed);
      }
      if (code !== 0) reject(new Error(`${rt.name} ended with ${code ?? signal} after ${lines.size} cases: ${err.trim().split('\n').slice(-6).join('\n')}`));
      else resolve(lines);
    });
  });
}

if (!existsSync(SUITE_DIR)) {
  console.log(`conformance-runtimes: skipped, the WASI test suite is not at ${SUITE_DIR}`);
} else {
  const cases = discover();

  test('every expected failure names a test of the suite', () => {
    const names = new Set(cases.map((c) => c.name));
    for (const f of EXPECTED_FAILURES) assert.ok(names.has(f.test), `EXPECTED_FAILURES names ${f.family} ${f.runtime}: ${f.test}, which the suite does not have`);
  });

  const own = `node${process.versions.node.split('.')[0]}`;
  forEachJsRuntime(test, (rt, it) => {
    // This runtime's run is test/conformance.test.ts's, in this process.
    if (rt.name === own) return;
    // The WASI runtimes it cannot host have their own test (runtimes-unavailable).
    const runtimes: RuntimeName[] = rt.bin === null ? [...RUNTIMES] : usable(rt).runtimes;
    let suite: Promise<Map<string, CaseLine>> | null = null;
    const results = () => {
      if (suite === null) {
        suite = runSuite(rt, runtimes);
        suite.catch(() => {});
      }
      return suite;
    };
    for (const runtime of runtimes) {
      for (const testCase of cases) {
        const expected = EXPECTED_FAILURES.find((f) => f.family === rt.family && f.runtime === runtime && f.test === testCase.name);
        it(`${rt.name} ${runtime}: ${testCase.name}${expected ? ' (expected to fail)' : ''}`, async () => {
          const lines = await results();
          const line = lines.get(`${runtime} ${testCase.name}`);
          assert.ok(line, `${rt.name} reported nothing for ${runtime} ${testCase.name}`);
          if (expected) {
            assert.not.ok(line.passed, `${testCase.name} now passes under ${rt.name} ${runtime}: take it out of EXPECTED_FAILURES (${expected.reason})`);
            return;
          }
          assert.ok(line.passed, `${line.failures.join('; ')}${line.stderrTail ? `\nstderr: ${line.stderrTail}` : ''}`);
        });
      }
    }
  });
}

test.run();
