// A runtime's import (browser_wasi_shim's, node:wasi's) given a buffer that
// does not lie in memory answers EFAULT and acts on nothing. The shim took a
// pointer past 2^31 (negative in JavaScript) as an index from the end of
// memory and random_get filled the wrong bytes, up to all of memory; it
// clamped a range running past the end, so random_get answered success for
// bytes it never wrote and a path was cut short (unlinking "a.txt" for a
// 9-byte path of which 5 bytes were in memory), and fd_prestat_dir_name
// answered success when the name fitted in the part of the buffer that was
// in memory. uvwasi answered EOVERFLOW.
// Found by the host-ABI fuzzer.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wabt from 'wabt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, RUNTIMES } from '../ts/index.js';

const END = 65536;

// Each check exits with its own code when the answer is wrong.
const parsed = (await wabt()).parseWat(
  'ranges.wat',
  `(module
    (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $dirName (param i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1 1)
    (data (i32.const ${END - 5}) "a.txt")
    (func $expect (param $got i32) (param $want i32) (param $code i32)
      (if (i32.ne (local.get $got) (local.get $want)) (then (call $exit (local.get $code)))))
    (func $untouched (param $at i32) (param $code i32)
      (if (i64.ne (i64.load (local.get $at)) (i64.const 0)) (then (call $exit (local.get $code)))))
    (func (export "_start")
      ;; [-65536, +131072): negative as an i32; as a u32 far past the end.
      (call $expect (call $random (i32.const 0xffff0000) (i32.const 0x20000)) (i32.const 21) (i32.const 10))
      (call $untouched (i32.const 1024) (i32.const 11))
      ;; 8 bytes in memory, 8 past its end.
      (call $expect (call $random (i32.const ${END - 8}) (i32.const 16)) (i32.const 21) (i32.const 12))
      (call $untouched (i32.const ${END - 16}) (i32.const 13))
      ;; "a.txt" is the 5 bytes in memory of a 9-byte path.
      (call $expect (call $unlink (i32.const 3) (i32.const ${END - 5}) (i32.const 9)) (i32.const 21) (i32.const 14))
      ;; The preopen's name ("/") fits in the 4 bytes before the end; the 100-byte buffer does not.
      (call $expect (call $dirName (i32.const 3) (i32.const ${END - 4}) (i32.const 100)) (i32.const 21) (i32.const 16))
      ;; A buffer in memory is filled.
      (call $expect (call $random (i32.const 64) (i32.const 16)) (i32.const 0) (i32.const 15))))`,
);
const module = parsed.toBinary({}).buffer;
parsed.destroy();

for (const runtime of RUNTIMES) {
  test(`${runtime}: a buffer outside memory is EFAULT, and nothing is written or unlinked`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-ranges-'));
    try {
      writeFileSync(join(dir, 'a.txt'), 'keep me');
      const code = await run(module, { runtime, preopens: [`${dir}::/`], stdout: 'ignore', stderr: 'ignore' });
      assert.is(code, 0, 'exit code 10-16 names the check that failed');
      assert.ok(existsSync(join(dir, 'a.txt')), 'a.txt is still there');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
