// The WASI test suite under one JavaScript runtime, in one process: every
// case under each WASI runtime named on the command line, one JSON line per
// case on stdout (CaseLine). test/conformance-runtimes.test.ts starts one of
// these per JavaScript runtime: a process per case would pay a runtime's
// start-up 72 times over.
//
//   <js runtime> dist/test/helpers/conformance-child.js node shim

import { RUNTIMES, type RuntimeName } from '../../ts/index.js';
import { apiRunner } from './module-runners.js';
import { discover, runTestCase } from './wasi-testsuite.js';

export interface CaseLine {
  runtime: RuntimeName;
  name: string;
  passed: boolean;
  failures: string[];
  /** The last lines of the module's stderr, for the report of a failure. */
  stderrTail: string;
}

const runtimes = process.argv.slice(2);
for (const r of runtimes) if (!(RUNTIMES as readonly string[]).includes(r)) throw new Error(`unknown WASI runtime ${JSON.stringify(r)}`);
const cases = discover();
for (const runtime of runtimes as RuntimeName[]) {
  for (const testCase of cases) {
    const result = await runTestCase(testCase, apiRunner(runtime));
    const line: CaseLine = {
      runtime,
      name: testCase.name,
      passed: result.passed,
      failures: result.failures,
      stderrTail: result.stderr.trim().split('\n').slice(-4).join('\n'),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}
