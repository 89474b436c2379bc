// The descriptors a module leaves open (preopened directories, files,
// directories it opened) are closed in the host process when it ends, under
// both runtimes: a process that runs many modules does not run out of
// descriptors. Counted in /proc/self/fd (Linux). (node:wasi left uvwasi's
// open when the worker ended; the shim's node:fs descriptors Node closed with
// the worker, until workers were kept for the next module.)
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wabt from 'wabt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, RUNTIMES } from '../ts/index.js';
import * as w from '../ts/wasi/index.js';
import { PROC_FD, requirePrerequisite } from './helpers/prerequisites.js';

const CREAT = 1;
const DIRECTORY = 2;
const RUNS = 5;

// Opens a new file and the preopen itself again, writes nothing, closes nothing, and exits.
const WAT = `(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "left-open")
  (data (i32.const 32) ".")
  (func (export "_start")
    (local $errors i32)
    (local.set $errors (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 9) (i32.const ${CREAT})
      (i64.const ${w.RIGHTS_FD_READ | w.RIGHTS_FD_WRITE}) (i64.const 0) (i32.const 0) (i32.const 0)))
    (local.set $errors (i32.or (local.get $errors) (call $path_open (i32.const 3) (i32.const 0) (i32.const 32) (i32.const 1) (i32.const ${DIRECTORY})
      (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 4))))
    (call $proc_exit (local.get $errors))))`;

const openDescriptors = () => readdirSync('/proc/self/fd').length;

const it = requirePrerequisite(test, PROC_FD);

for (const runtime of RUNTIMES) {
  it(`${runtime}: descriptors a module leaves open are closed when it ends`, async () => {
    const module = (await wabt()).parseWat('left-open.wat', WAT);
    const bytes = module.toBinary({}).buffer;
    module.destroy();
    const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-fds-'));
    try {
      // One run first: whatever the first run of a worker loads for good (Node's own) is not counted.
      assert.is(await run(bytes, { runtime, preopens: [`${dir}::/`], stdout: 'ignore', stderr: 'ignore' }), 0);
      const before = openDescriptors();
      for (let i = 0; i < RUNS; i++) {
        assert.is(await run(bytes, { runtime, preopens: [`${dir}::/`], stdout: 'ignore', stderr: 'ignore' }), 0, 'both opens succeeded');
      }
      const after = openDescriptors();
      assert.ok(after - before < RUNS, `${after - before} more descriptors open after ${RUNS} runs`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
