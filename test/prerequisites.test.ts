// No silent skips (helpers/prerequisites.ts): a test whose prerequisite is
// missing is skipped and counted (uvu's "Skipped: N"), with one line saying
// what is missing and how to get it; under CI=true, where .ci/run provides
// it, it fails instead. Shown on the browser tests without Chromium
// or Firefox (CHROMIUM_PATH, FIREFOX_PATH pointing nowhere; TEST_BROWSERS
// picks the one browser) and on the conformance tests without the
// WASI test suite (WASI_TESTSUITE pointing nowhere).
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { moduleRunners } from './helpers/module-runners.js';
import { REPO } from './helpers/servers.js';

const NOWHERE = '/nonexistent/wasi-evloop-prerequisite';

function uvu(file: string, env: Record<string, string>) {
  const r = spawnSync(process.execPath, [`${REPO}node_modules/uvu/bin.js`, 'dist/test', `^${file.replace(/\./g, '\\.')}$`], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CI: '', ...env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  const out = `${r.stdout}${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
  const count = (what: string) => Number(new RegExp(`^\\s*${what}:\\s+(\\d+)`, 'm').exec(out)?.[1] ?? NaN);
  return { status: r.status, out, total: count('Total'), passed: count('Passed'), skipped: count('Skipped') };
}

test('without Chromium (CHROMIUM_PATH names nothing): skipped, counted, one line saying how to get it', () => {
  const r = uvu('browser-isolation.test.js', { CHROMIUM_PATH: NOWHERE, TEST_BROWSERS: 'chromium' });
  assert.is(r.status, 0, r.out);
  assert.is(r.total, 0, r.out);
  assert.ok(r.skipped > 0, r.out);
  const lines = r.out.split('\n').filter((l) => l.startsWith('skipped '));
  assert.equal(lines, [`skipped ${r.skipped} test${r.skipped === 1 ? '' : 's'}: Chromium is missing (no browser at ${NOWHERE}); to get it: as root \`apt-get install -y chromium\` (.ci/run does), or set CHROMIUM_PATH`]);
});

test('without Chromium under CI=true: each of those tests fails, saying what is missing', () => {
  const r = uvu('browser-isolation.test.js', { CHROMIUM_PATH: NOWHERE, TEST_BROWSERS: 'chromium', CI: 'true' });
  assert.is(r.status, 1, r.out);
  assert.is(r.skipped, 0, r.out);
  assert.ok(r.total > 0 && r.passed === 0, r.out);
  assert.match(r.out, /Chromium is missing .* — \.ci\/run provides it, so under CI=true this fails instead of skipping/);
});

test('without Firefox (FIREFOX_PATH names nothing): skipped, counted, one line saying how to get it', () => {
  const r = uvu('browser-isolation.test.js', { FIREFOX_PATH: NOWHERE, TEST_BROWSERS: 'firefox' });
  assert.is(r.status, 0, r.out);
  assert.is(r.total, 0, r.out);
  assert.match(r.out, new RegExp(`^skipped ${r.skipped} tests?: Firefox is missing \\(no browser at ${NOWHERE}\\); to get it: .*FIREFOX_PATH$`, 'm'));
});

test('without the WASI test suite (WASI_TESTSUITE names nothing): its 72 tests per way to run a module, and the count check, are skipped', () => {
  const r = uvu('conformance.test.js', { WASI_TESTSUITE: NOWHERE });
  assert.is(r.status, 0, r.out);
  // conformance.test.ts runs the suite once per runner (run() and the CLI, each WASI runtime) on the kernel transport.
  assert.is(r.skipped, 72 * moduleRunners(['kernel']).length + 1, r.out);
  assert.match(r.out, new RegExp(`^skipped ${r.skipped} tests: the WASI test suite is missing \\(no folder ${NOWHERE}\\)`, 'm'));
});

test('without the WASI test suite under CI=true: still skipped and counted (no registry offers it, so .ci/run cannot provide it)', () => {
  const r = uvu('conformance.test.js', { WASI_TESTSUITE: NOWHERE, CI: 'true' });
  assert.is(r.status, 0, r.out);
  assert.is(r.skipped, 72 * moduleRunners(['kernel']).length + 1, r.out);
  assert.match(r.out, /^skipped \d+ tests: the WASI test suite is missing/m);
});

test.run();
