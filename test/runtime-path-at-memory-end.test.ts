// A path that ends at the very end of memory (no NUL byte after it) is
// served like any other. uvwasi read it as a C string, past the end of the
// module's memory, and Node died with SIGSEGV (found by the host-ABI fuzzer).
import { mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wabt from 'wabt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES } from '../ts/index.js';
import { runIsolated } from './helpers/isolated-run.js';

const END = 65536;
const DIR = 3;

// "a.txt" fills the last 5 bytes of memory. Each check exits with its own code when the answer is wrong.
const parsed = (await wabt()).parseWat(
  'path-at-end.wat',
  `(module
    (import "wasi_snapshot_preview1" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "path_symlink" (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1 1)
    (data (i32.const 1024) "link")
    (data (i32.const ${END - 5}) "a.txt")
    (func $expect (param $got i32) (param $want i32) (param $code i32)
      (if (i32.ne (local.get $got) (local.get $want)) (then (call $exit (local.get $code)))))
    (func (export "_start")
      ;; The file is found, and its size (7) written at 2048 + 32.
      (call $expect (call $stat (i32.const ${DIR}) (i32.const 0) (i32.const ${END - 5}) (i32.const 5) (i32.const 2048)) (i32.const 0) (i32.const 10))
      (call $expect (i32.load (i32.const ${2048 + 32})) (i32.const 7) (i32.const 11))
      ;; A symlink whose contents end there, then one whose name ends there (it exists: EEXIST, 20).
      (call $expect (call $symlink (i32.const ${END - 5}) (i32.const 5) (i32.const ${DIR}) (i32.const 1024) (i32.const 4)) (i32.const 0) (i32.const 12))
      (call $expect (call $symlink (i32.const 1024) (i32.const 4) (i32.const ${DIR}) (i32.const ${END - 5}) (i32.const 5)) (i32.const 20) (i32.const 13))
      ;; The name is still all there (none of it was lost to the terminator): "a.tx" would be ENOENT.
      (call $expect (call $unlink (i32.const ${DIR}) (i32.const ${END - 5}) (i32.const 5)) (i32.const 0) (i32.const 14))
      ;; And memory is as it was.
      (call $expect (i32.load8_u (i32.const ${END - 1})) (i32.const 116) (i32.const 15))
      (call $expect (i32.load8_u (i32.const ${END - 6})) (i32.const 0) (i32.const 16))))`,
);
const module = parsed.toBinary({}).buffer;
parsed.destroy();

for (const runtime of RUNTIMES) {
  test(`${runtime}: a path ending at the end of memory is served, and the host lives`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-path-end-'));
    try {
      writeFileSync(join(dir, 'a.txt'), 'content');
      const r = await runIsolated(module, runtime, { preopen: dir });
      assert.is(r.signal, null, 'the host process was not killed');
      assert.equal(r.outcome, { exit: 0 }, 'exit codes 10-16 name the check that failed');
      assert.is(readlinkSync(join(dir, 'link')), 'a.txt');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
