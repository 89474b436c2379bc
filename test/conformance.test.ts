// WASI preview1 conformance: every test of the official wasi-testsuite
// (../shared/wasi-testsuite/ from the repository root, or WASI_TESTSUITE:
// a prerequisite, see helpers/prerequisites.ts), under each runtime,
// through run() (a worker, the socket host composed with the runtime) and
// through the CLI (the module on its starting thread), each with a fresh copy
// of the directory it preopens. A test passes when its exit code and output
// match its JSON spec.
//
// EXPECTED_FAILURES lists what a runtime cannot do, with the reason; a listed
// test that starts passing fails here, so the list stays true.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RuntimeName } from '../ts/index.js';
import { moduleRunners } from './helpers/module-runners.js';
import { requirePrerequisite, WASI_TESTSUITE } from './helpers/prerequisites.js';
import { discover, runTestCase, SUITE_DIR } from './helpers/wasi-testsuite.js';

const EXPECTED_FAILURES: readonly { runtime: RuntimeName; test: string; reason: string }[] = [];

/** README: "The 72 preview1 tests of the official wasi-testsuite run in `npm test`". */
const README_SUITE_TESTS = 72;

const it = requirePrerequisite(test, WASI_TESTSUITE);
const cases = discover();
// Without the suite its tests are still registered (and skipped, or failed
// under CI), so the count says how much did not run.
const names = cases.length > 0 ? cases.map((c) => c.name) : Array.from({ length: README_SUITE_TESTS }, (_, i) => `wasi-testsuite test ${i + 1}`);

it(`the suite is there with its ${README_SUITE_TESTS} preview1 tests, and every expected failure names one of them`, () => {
  assert.is(cases.length, README_SUITE_TESTS, `${cases.length} tests found under ${SUITE_DIR}, the README says ${README_SUITE_TESTS}`);
  const names = new Set(cases.map((c) => c.name));
  for (const { runtime, test: name } of EXPECTED_FAILURES) {
    assert.ok(names.has(name), `EXPECTED_FAILURES names ${runtime}: ${name}, which the suite does not have`);
  }
});

for (const runner of moduleRunners(['kernel'])) {
  for (const [i, name] of names.entries()) {
    const expected = EXPECTED_FAILURES.find((f) => f.runtime === runner.runtime && f.test === name);
    it(`${runner.name}: ${name}${expected ? ' (expected to fail)' : ''}`, async () => {
      const testCase = cases[i]!;
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

test.run();
