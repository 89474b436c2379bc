// @bjorn3/browser_wasi_shim set up the way both of its runtimes use it — the
// Node shim runtime (shim.ts) and the browser worker's (ts/browser/
// shim-runtime.ts): args and env, the fds given, calls not logged, and the
// module's memory known once it starts. Each adds only its own fds. No Node
// imports.

import { Fd, WASI, wasi as shimWasi } from '@bjorn3/browser_wasi_shim';
import type { WasiFunction } from '../host/index.js';

/** A terminal-like fd (stdin): the shim's base Fd reports no file type at all. */
export abstract class CharacterDevice extends Fd {
  override fd_fdstat_get() {
    return { ret: shimWasi.ERRNO_SUCCESS, fdstat: new shimWasi.Fdstat(shimWasi.FILETYPE_CHARACTER_DEVICE, 0) };
  }
}

export interface Shim {
  readonly wasi: WASI;
  readonly imports: Record<string, WasiFunction>;
  /** Runs _start; the exit code. */
  start(instance: WebAssembly.Instance): number;
  /** The module's memory; throws before start(). */
  memory(): WebAssembly.Memory;
}

export function openShim(args: readonly string[], env: Readonly<Record<string, string>>, fds: Fd[]): Shim {
  // debug: false, or the shim logs every call (its default is on).
  const wasi = new WASI([...args], Object.entries(env).map(([k, v]) => `${k}=${v}`), fds, { debug: false });
  let memory: WebAssembly.Memory | null = null;
  return {
    wasi,
    imports: wasi.wasiImport as Record<string, WasiFunction>,
    start(instance) {
      memory = instance.exports.memory as WebAssembly.Memory;
      return wasi.start(instance as unknown as Parameters<WASI['start']>[0]);
    },
    memory() {
      if (memory === null) throw new Error('shim runtime: an import was called before start()');
      return memory;
    },
  };
}
