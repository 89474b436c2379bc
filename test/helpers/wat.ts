// Small hand-written modules (WebAssembly text, assembled with the wabt
// devDependency) for the tests of what a module does to its host: the
// last-resort paths need modules no C compiler would write.

import { mkdirSync, writeFileSync } from 'node:fs';
import wabt from 'wabt';
import { REPO } from './servers.js';

export async function assemble(wat: string, name = 'fixture.wat'): Promise<Uint8Array> {
  const module = (await wabt()).parseWat(name, wat);
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
  writeFileSync(path, await assemble(wat, `${name}.wat`));
  return path;
}

/** Spins from its first instruction and never calls the host: only terminating its thread ends it. */
export const SPIN_WAT = `(module
  (memory (export "memory") 1)
  (func (export "_start") (loop $forever (br $forever))))`;

/**
 * Serves first — one 1 ms poll_oneoff sleep, which is what tells the host a
 * module is serving (a server's first wait) — then spins without calling the
 * host again.
 */
export const SERVE_THEN_SPIN_WAT = `(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    ;; one subscription at 0: a relative CLOCK_MONOTONIC (1) timeout of 1 ms
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 1000000))
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
    (loop $forever (br $forever))))`;

/** Exits with status 1 at once, before it ever waits: a server that did not start. */
export const EXIT_1_WAT = `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 1))))`;
