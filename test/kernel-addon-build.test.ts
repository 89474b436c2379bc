// The install script (scripts/addon-build.mjs) on a copy of the sources: it
// builds a loadable addon with cc, does nothing the second time, rebuilds
// after a source changes, and without a compiler still exits 0 with one line
// saying the kernel transport is unavailable (and leaves no stale binary).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO } from './helpers/servers.js';

const run = promisify(execFile);

function copyOfTheProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-build-'));
  cpSync(join(REPO, 'native'), join(dir, 'native'), { recursive: true });
  mkdirSync(join(dir, 'scripts'));
  cpSync(join(REPO, 'scripts', 'addon-build.mjs'), join(dir, 'scripts', 'addon-build.mjs'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  // A checkout: sources may change, so the script goes by file times.
  mkdirSync(join(dir, '.git'));
  return dir;
}

const build = (dir: string, env: Record<string, string> = {}) =>
  run(process.execPath, [join(dir, 'scripts', 'addon-build.mjs')], { cwd: dir, env: { ...process.env, ...env }, timeout: 120_000 });

const BUILT = 'build/Release/wasi_evloop_kernel.node';

test('builds a loadable addon, then only when a source is newer than the binary', async () => {
  const dir = copyOfTheProject();
  try {
    const first = await build(dir);
    assert.match(first.stderr, /^wasi-evloop: built the kernel-socket addon \(build\/Release\/wasi_evloop_kernel\.node\) in \d+ ms\n$/);
    const loaded = await run(process.execPath, ['-e', `console.log(typeof require(${JSON.stringify(join(dir, BUILT))}).recv)`]);
    assert.is(loaded.stdout, 'function\n');

    const again = await build(dir);
    assert.is(again.stdout + again.stderr, '', 'up to date: silent, nothing built');

    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'native', 'io.c'), later, later);
    assert.match((await build(dir)).stderr, /built the kernel-socket addon/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no C compiler: exit 0, one line saying the kernel transport is unavailable and what to do', async () => {
  const dir = copyOfTheProject();
  try {
    await build(dir);
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'native', 'io.c'), later, later);
    const result = await build(dir, { CC: join(dir, 'no-such-cc') });
    assert.is(result.stdout, '');
    const lines = result.stderr.split('\n').filter(Boolean);
    assert.is(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^wasi-evloop: kernel transport unavailable: no C compiler \('.*no-such-cc' not found; set CC\); the node-net transport will be used\. To get it: a C compiler on Linux, then `npm rebuild wasi-evloop`/);
    assert.not.ok(existsSync(join(dir, BUILT)), 'the binary older than the sources is gone, not loaded as if it were them');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
