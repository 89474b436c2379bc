// proc_raise ends the module like a trap; it never signals the host process.
// Under node:wasi (uvwasi) it sent the signal to the whole process: SIGTERM
// or SIGKILL ended the host, SIGUSR1 opened Node's inspector on port 9229
// (found by the host-ABI fuzzer). wasmtime and browser_wasi_shim trap.
import wabt from 'wabt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES } from '../ts/index.js';
import { runIsolated } from './helpers/isolated-run.js';

// WASI's signal numbers (not the host's): 9 KILL, 10 USR1, 15 TERM.
for (const signal of [15, 9, 10]) {
  const parsed = (await wabt()).parseWat(
    'raise.wat',
    `(module
      (import "wasi_snapshot_preview1" "proc_raise" (func $raise (param i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start") (drop (call $raise (i32.const ${signal})))))`,
  );
  const module = parsed.toBinary({}).buffer;
  parsed.destroy();
  for (const runtime of RUNTIMES) {
    test(`${runtime}: proc_raise(${signal}) ends the module as a trap; the host lives on`, async () => {
      const r = await runIsolated(module, runtime);
      assert.is(r.signal, null, 'the host process was not signalled');
      assert.is(r.code, 0, 'the host process exited by itself');
      assert.ok(r.outcome !== null && 'error' in r.outcome, `run() rejected: ${JSON.stringify(r.outcome)}`);
      assert.is((r.outcome as { error: string }).error, 'ModuleTrapError');
      assert.match((r.outcome as { message: string }).message, new RegExp(`\\b${signal}\\b`));
    });
  }
}

test.run();
