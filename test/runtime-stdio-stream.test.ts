// A module's stdin, stdout and stderr are streams: it can read and write
// them, not seek, resize, preallocate or write at an offset. Under node:wasi
// they were the host process's own descriptors, so with stdout redirected to
// a file a module truncated the host's output file, wrote into it at any
// offset (even with stdout 'ignore'), and moved the offset Node writes at
// (found by the host-ABI fuzzer). wasmtime's stdio refuses them too.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wabt from 'wabt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES } from '../ts/index.js';
import { runIsolated } from './helpers/isolated-run.js';

const parsed = (await wabt()).parseWat(
  'stdio-stream.wat',
  `(module
    (import "wasi_snapshot_preview1" "fd_pwrite" (func $pwrite (param i32 i32 i32 i64 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_filestat_set_size" (func $setSize (param i32 i64) (result i32)))
    (import "wasi_snapshot_preview1" "fd_allocate" (func $allocate (param i32 i64 i64) (result i32)))
    (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    ;; An iovec {1024, 7} over "CLOBBER".
    (data (i32.const 512) "\\00\\04\\00\\00\\07\\00\\00\\00")
    (data (i32.const 1024) "CLOBBER")
    (func $refused (param $errno i32) (param $code i32)
      (if (i32.eqz (local.get $errno)) (then (call $exit (local.get $code)))))
    (func (export "_start")
      (call $refused (call $pwrite (i32.const 1) (i32.const 512) (i32.const 1) (i64.const 3) (i32.const 600)) (i32.const 10))
      (call $refused (call $setSize (i32.const 1) (i64.const 0)) (i32.const 11))
      (call $refused (call $allocate (i32.const 1) (i64.const 0) (i64.const 1048576)) (i32.const 12))
      (call $refused (call $seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 600)) (i32.const 13))))`,
);
const module = parsed.toBinary({}).buffer;
parsed.destroy();

for (const runtime of RUNTIMES) {
  test(`${runtime}: stdout redirected to a file cannot be written at an offset, resized or seeked`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-stdio-'));
    const path = join(dir, 'out.txt');
    writeFileSync(path, 'the host process wrote this\n');
    const fd = openSync(path, 'a');
    try {
      const r = await runIsolated(module, runtime, { stdout: fd });
      assert.equal(r.outcome, { exit: 0 }, 'exit codes 10-13: pwrite, set_size, allocate, seek succeeded');
      assert.is(readFileSync(path, 'utf8'), 'the host process wrote this\n');
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
