import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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
  // Each module is one clang run of its own: build them side by side.
  execFileSync('make', ['-B', `-j${availableParallelism()}`, `WASM_DIR=${out}`, 'wasm'], { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'] });
  // The echo core per backend, and the benchmark's modules (c/http_mio.c, c/exit_now.c).
  for (const name of [...BACKENDS.map((b) => `echo-${b}`), 'http-mio', 'exit-now']) {
    const committed = readFileSync(`${REPO}wasm/${name}.wasm`);
    const rebuilt = readFileSync(`${REPO}${out}/${name}.wasm`);
    assert.ok(committed.equals(rebuilt),
      `wasm/${name}.wasm differs from a fresh build of c/: run \`make\` and commit wasm/`);
  }
});

test.run();
