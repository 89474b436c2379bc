// A module that closes its stdin, stdout and stderr (or renumbers another
// descriptor onto them) closes its own descriptors, not the host process's:
// under node:wasi they were the process's real fds 0-2, so Node lost its
// stdout and the next socket the process opened took fd 1 (found by the
// host-ABI fuzzer).
import wabt from 'wabt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES } from '../ts/index.js';
import { runIsolated } from './helpers/isolated-run.js';

const parsed = (await wabt()).parseWat(
  'close-stdio.wat',
  `(module
    (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_renumber" (func $renumber (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      ;; stderr is replaced by a copy of stdin, then stdout and that copy are closed.
      (if (call $renumber (i32.const 0) (i32.const 2)) (then unreachable))
      (if (call $close (i32.const 1)) (then unreachable))
      (if (call $close (i32.const 2)) (then unreachable))
      ;; All three are gone for the module: EBADF (8).
      (if (i32.ne (call $close (i32.const 0)) (i32.const 8)) (then unreachable))
      (if (i32.ne (call $close (i32.const 1)) (i32.const 8)) (then unreachable))
      (if (i32.ne (call $close (i32.const 2)) (i32.const 8)) (then unreachable))))`,
);
const module = parsed.toBinary({}).buffer;
parsed.destroy();

for (const runtime of RUNTIMES) {
  test(`${runtime}: a module closing fds 0-2 leaves the host process's stdio open`, async () => {
    const r = await runIsolated(module, runtime);
    assert.equal(r.outcome, { exit: 0 }, 'the module closed its descriptors and exited 0');
    assert.equal(r.after, r.before, "the process's fds 0-2 are the ones it started with");
    assert.is(r.code, 0);
  });
}

test.run();
