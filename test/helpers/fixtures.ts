// C test programs (c/test/NAME.c) compiled to wasm32-wasip1 on demand, into
// build/test/NAME.wasm, and rebuilt when the source is newer.

import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { REPO } from './servers.js';

export function fixtureWasm(name: string): string {
  const source = `c/test/${name}.c`;
  const output = `build/test/${name}.wasm`;
  const stale = !existsSync(REPO + output) || statSync(REPO + output).mtimeMs < statSync(REPO + source).mtimeMs;
  if (stale) {
    execFileSync(process.execPath, ['scripts/wasi-cc.mjs', '--target=wasm32-wasip1', '-O2', '-Wall', '-Werror', source, '-o', output], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 120_000,
    });
  }
  return REPO + output;
}
