// The event loop's own guarantees, checked natively per backend by
// c/test/ev_test.c (built by `make native-test`, with AddressSanitizer and
// UBSan when cc has them): an allocation failure while the fd table grows
// leaves a loop that still works and indexes nothing out of bounds, and an
// event is never delivered to a later registration of a reused fd number.
// Where cc has the sanitizers, the built checks must really run under them.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { C_COMPILER, requirePrerequisite, SANITIZERS } from './helpers/prerequisites.js';
import { BACKENDS, REPO } from './helpers/servers.js';

const it = requirePrerequisite(test, C_COMPILER);
const withSanitizers = requirePrerequisite(test, C_COMPILER, SANITIZERS);

let built = false;
function build(): void {
  if (built) return;
  execFileSync('make', ['native-test'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
  built = true;
}

const binary = (b: string) => `${REPO}build/ev-test-${b}`;

for (const b of BACKENDS) {
  it(`ev (${b}): growth after allocation failures, fds reused within a batch`, () => {
    build();
    const r = spawnSync(binary(b), [], { encoding: 'utf8', timeout: 30_000 });
    const output = `${r.stdout}${r.stderr}`;
    assert.is(r.signal, null, `killed by ${r.signal}:\n${output}`);
    assert.is(r.status, 0, output);
    const checks = r.stdout.split('\n').filter((l) => /^(ok|FAIL) /.test(l));
    assert.is(checks.length, 3, `three checks ran:\n${output}`);
    for (const line of checks) assert.match(line, /^ok /, output);
  });
}

withSanitizers('the checks run under AddressSanitizer (live in the process) and UBSan (linked in)', () => {
  build();
  for (const b of BACKENDS) {
    // ASan's runtime, once initialised in the process, answers help=1 with its flags.
    const r = spawnSync(binary(b), [], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ASAN_OPTIONS: 'help=1' } });
    assert.match(r.stderr, /Available flags for AddressSanitizer/, `ev-test-${b} has no AddressSanitizer running`);
    // UBSan's checks call its handlers: an instrumented binary imports them.
    assert.ok(readFileSync(binary(b)).includes('__ubsan_handle_'), `ev-test-${b} has no UBSan instrumentation`);
  }
});

test.run();
