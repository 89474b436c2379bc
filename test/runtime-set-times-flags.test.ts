// path_filestat_set_times with invalid flags is EINVAL, and the descriptor
// keeps working. uvwasi returned that EINVAL with the descriptor still
// locked: the next call on it waited forever, and the module's thread could
// not be stopped or ended (found by the host-ABI fuzzer).
import wabt from 'wabt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES } from '../ts/index.js';
import { runIsolated } from './helpers/isolated-run.js';

const parsed = (await wabt()).parseWat(
  'set-times.wat',
  `(module
    (import "wasi_snapshot_preview1" "path_filestat_set_times" (func $setTimes (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (data (i32.const 1024) "a.txt")
    (func (export "_start")
      ;; Flags 16: no such bit. On stdin (/dev/null): uvwasi gives it every right, and the host no path of its own.
      (if (i32.eqz (call $setTimes (i32.const 0) (i32.const 0) (i32.const 1024) (i32.const 5) (i64.const 0) (i64.const 0) (i32.const 16)))
        (then (call $exit (i32.const 10))))
      ;; Stdin still answers.
      (if (call $fdstat (i32.const 0) (i32.const 2048)) (then (call $exit (i32.const 11))))))`,
);
const module = parsed.toBinary({}).buffer;
parsed.destroy();

for (const runtime of RUNTIMES) {
  test(`${runtime}: after path_filestat_set_times with bad flags, the descriptor still answers`, async () => {
    const r = await runIsolated(module, runtime, { timeoutMs: 10_000 });
    assert.is(r.signal, null, 'the host process ended by itself (it was killed after 10 s)');
    assert.equal(r.outcome, { exit: 0 }, 'exit code 10 or 11 names the check that failed');
  });
}

test.run();
