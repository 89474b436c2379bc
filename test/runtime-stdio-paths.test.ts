// Path calls relative to stdin, stdout or stderr are refused (ENOTDIR): they
// are streams, not directories. Under node:wasi each had a relative path of
// its own ("<stdin>", ...) and a path call on it acted in the host process's
// working directory: a module made "<stdin>/", symlinks in it leading
// anywhere, and could then open files through them (found by the host-ABI
// fuzzer, whose module created "<stdin>/" beside the repository's files).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wabt from 'wabt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES } from '../ts/index.js';
import { runIsolated } from './helpers/isolated-run.js';

const ENOTDIR = 54;

const parsed = (await wabt()).parseWat(
  'stdio-paths.wat',
  `(module
    (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "path_symlink" (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (data (i32.const 1024) "..")
    (data (i32.const 1040) "up")
    (data (i32.const 1056) "new.txt")
    (func $notDir (param $errno i32) (param $code i32)
      (if (i32.ne (local.get $errno) (i32.const ${ENOTDIR})) (then (call $exit (local.get $code)))))
    (func (export "_start")
      ;; "" is the descriptor's own path: under uvwasi, mkdir "<stdin>".
      (call $notDir (call $mkdir (i32.const 0) (i32.const 1024) (i32.const 0)) (i32.const 10))
      (call $notDir (call $symlink (i32.const 1024) (i32.const 2) (i32.const 1) (i32.const 1040) (i32.const 2)) (i32.const 11))
      (call $notDir (call $open (i32.const 2) (i32.const 0) (i32.const 1056) (i32.const 7) (i32.const 1) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 2048)) (i32.const 12))))`,
);
const module = parsed.toBinary({}).buffer;
parsed.destroy();

for (const runtime of RUNTIMES) {
  test(`${runtime}: path calls on stdio are ENOTDIR and leave the host's working directory alone`, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'wasi-evloop-cwd-'));
    try {
      const r = await runIsolated(module, runtime, { cwd });
      assert.equal(r.outcome, { exit: 0 }, 'exit codes 10-12: mkdir, symlink, open on stdio were not ENOTDIR');
      assert.equal(readdirSync(cwd), [], 'nothing was made in the working directory');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
}

test.run();
