// run() with bad stop or listener options rejects with UsageError saying what
// is wrong, before the module starts; the bounds themselves are accepted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_STOP_GRACE_MS, run, UsageError, type RunOptions } from '../ts/index.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { REPO } from './helpers/servers.js';

const wasm = fixtureWasm('blocking_echo');

const cases: [string, RunOptions, RegExp][] = [
  ['a negative stopGraceMs', { stopGraceMs: -5 }, /stopGraceMs must be a whole number from 0 to 2147483647, got -5/],
  ['a stopGraceMs past a timer\'s reach', { stopGraceMs: 2 ** 31 }, /stopGraceMs must be a whole number from 0 to 2147483647/],
  ['a stopGraceMs that is not a number', { stopGraceMs: NaN }, /stopGraceMs must be a whole number/],
  ['a blockingAccept that is not true or false', { blockingAccept: 'yes' as never }, /blockingAccept must be true or false, got "yes"/],
];

for (const [what, options, message] of cases) {
  test(`${what} is a UsageError`, async () => {
    let started = false;
    const error = await run(wasm, { tcplisten: ['127.0.0.1:0'], stdout: 'ignore', stderr: 'ignore', onListening: () => (started = true), ...options }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.instance(error, UsageError);
    assert.match((error as Error).message, message);
    assert.not.ok(started, 'the module never started');
  });
}

test(`stopGraceMs 0 and MAX_STOP_GRACE_MS (${MAX_STOP_GRACE_MS}), the README's bounds, are accepted`, async () => {
  assert.is(MAX_STOP_GRACE_MS, 2147483647);
  for (const stopGraceMs of [0, MAX_STOP_GRACE_MS]) {
    assert.is(await run(`${REPO}wasm/exit-now.wasm`, { stopGraceMs, stdout: 'ignore', stderr: 'ignore' }), 0, `stopGraceMs ${stopGraceMs}`);
  }
});

test.run();
