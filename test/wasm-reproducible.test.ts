import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, REPO } from './helpers/servers.js';

// Uses the default toolchain (@yowasp/clang from npm), the one the committed
// modules were built with, even on a machine that has WASI_SDK_PATH set.
test('make rebuilds every committed wasm/ module byte for byte', () => {
  const out = 'build/wasm-check';
  rmSync(`${REPO}${out}`, { recursive: true, force: true });
  const env = { ...process.env };
  delete env.WASI_SDK_PATH;
  execFileSync('make', ['-B', `WASM_DIR=${out}`, 'wasm'], { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'] });
  for (const b of BACKENDS) {
    const committed = readFileSync(`${REPO}wasm/echo-${b}.wasm`);
    const rebuilt = readFileSync(`${REPO}${out}/echo-${b}.wasm`);
    assert.ok(committed.equals(rebuilt),
      `wasm/echo-${b}.wasm differs from a fresh build of c/: run \`make\` and commit wasm/`);
  }
});

test.run();
