// C test programs (c/test/NAME.c) compiled to wasm32-wasip1 on demand, into
// build/test/NAME.wasm, and rebuilt when a source is newer. A program that
// opens its own sockets links c/socket_wasix.c, with c/include on the path.

import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { REPO } from './servers.js';

/** What the programs that open their own sockets link with. */
const WASIX_SOCKETS = ['c/socket_wasix.c', 'c/include/wasix/sockets.h'];

export function fixtureWasm(name: string, options: { wasixSockets?: boolean } = {}): string {
  const source = `c/test/${name}.c`;
  const output = `build/test/${name}.wasm`;
  const inputs = [source, ...(options.wasixSockets ? WASIX_SOCKETS : [])];
  const stale = !existsSync(REPO + output) || inputs.some((input) => statSync(REPO + output).mtimeMs < statSync(REPO + input).mtimeMs);
  if (stale) {
    const extra = options.wasixSockets ? ['-Ic/include', WASIX_SOCKETS[0]!] : [];
    execFileSync(process.execPath, ['scripts/wasi-cc.mjs', '--target=wasm32-wasip1', '-O2', '-Wall', '-Werror', ...extra, source, '-o', output], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 120_000,
    });
  }
  return REPO + output;
}
