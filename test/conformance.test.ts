// WASI preview1 conformance: every test of the official wasi-testsuite
// (../shared/wasi-testsuite/ from the repository root), under each runtime,
// through run() (a worker, the socket host composed with the runtime) and
// through the CLI (the module on its starting thread), each with a fresh copy
// of the directory it preopens. A test passes when its exit code and output
// match its JSON spec.
//
// EXPECTED_FAILURES lists what a runtime cannot do, with the reason; a listed
// test that starts passing fails here, so the list stays true.
import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RuntimeName } from '../ts/index.js';
import { moduleRunners } from './helpers/module-runners.js';
import { discover, runTestCase, SUITE_DIR } from './helpers/wasi-testsuite.js';

const EXPECTED_FAILURES: readonly { runtime: RuntimeName; test: string; reason: string }[] = [];

if (!existsSync(SUITE_DIR)) {
  console.log(`conformance: skipped, the WASI test suite is not at ${SUITE_DIR}`);
} else {
  const cases = discover();

  test('the suite is there and every expected failure names one of its tests', () => {
    assert.ok(cases.length > 0, `no tests found under ${SUITE_DIR}`);
    const names = new Set(cases.map((c) => c.name));
    for (const { runtime, test: name } of EXPECTED_FAILURES) {
      assert.ok(names.has(name), `EXPECTED_FAILURES names ${runtime}: ${name}, which the suite does not have`);
    }
  });

  for (const runner of moduleRunners(['kernel'])) {
    for (const testCase of cases) {
      const expected = EXPECTED_FAILURES.find((f) => f.runtime === runner.runtime && f.test === testCase.name);
      test(`${runner.name}: ${testCase.name}${expected ? ' (expected to fail)' : ''}`, async () => {
        const result = await runTestCase(testCase, runner);
        if (expected) {
          assert.not.ok(result.passed, `${testCase.name} now passes under ${runner.runtime}: take it out of EXPECTED_FAILURES (${expected.reason})`);
          return;
        }
        const tail = result.stderr.trim().split('\n').slice(-4).join('\n');
        assert.ok(result.passed, `${result.failures.join('; ')}${tail ? `\nstderr: ${tail}` : ''}`);
      });
    }
  }
}

test.run();
