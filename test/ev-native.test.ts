// The event loop's own guarantees, checked natively per backend by
// c/test/ev_test.c (built by `make native-test`, with AddressSanitizer and
// UBSan when cc has them): an allocation failure while the fd table grows
// leaves a loop that still works and indexes nothing out of bounds, and an
// event is never delivered to a later registration of a reused fd number.
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, REPO } from './helpers/servers.js';

test.before(() => {
  execFileSync('make', ['native-test'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
});

for (const b of BACKENDS) {
  test(`ev (${b}): growth after allocation failures, fds reused within a batch`, () => {
    const r = spawnSync(`${REPO}build/ev-test-${b}`, [], { encoding: 'utf8', timeout: 30_000 });
    const output = `${r.stdout}${r.stderr}`;
    assert.is(r.signal, null, `killed by ${r.signal}:\n${output}`);
    assert.is(r.status, 0, output);
    const checks = r.stdout.split('\n').filter((l) => /^(ok|FAIL) /.test(l));
    assert.is(checks.length, 3, `three checks ran:\n${output}`);
    for (const line of checks) assert.match(line, /^ok /, output);
  });
}

test.run();
