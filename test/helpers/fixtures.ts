// C test programs (c/test/NAME.c) compiled to wasm32-wasip1 on demand, into
// build/test/NAME.wasm, and rebuilt when the source is newer; and modules
// written in WAT, assembled with wabt.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import wabt from 'wabt';
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

/** A module written in WAT, as bytes. */
export async function assemble(wat: string): Promise<Uint8Array> {
  const module = (await wabt()).parseWat('fixture.wat', wat);
  try {
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

/** A module written in WAT, as a file (build/test/NAME.wasm), for the CLI. */
export async function watFixture(name: string, wat: string): Promise<string> {
  const path = `${REPO}build/test/${name}.wasm`;
  mkdirSync(`${REPO}build/test`, { recursive: true });
  writeFileSync(path, await assemble(wat));
  return path;
}

/** Runs forever in wasm, never calling the host: only the end of the grace period can stop it. */
export const SPIN_WAT = `(module
  (memory (export "memory") 1)
  (func (export "_start") (loop $forever (br $forever))))`;
