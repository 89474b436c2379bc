// @bjorn3/browser_wasi_shim as the runtime in a browser worker: args, env,
// clocks, random and stdio. No directories (there is no file system to give).
// Its poll_oneoff and sock_* never run: the socket host owns those imports.

import { ConsoleStdout, wasi as shimWasi } from '@bjorn3/browser_wasi_shim';
import { CharacterDevice, openShim } from '../runtime/shim-base.js';
import type { WasiRuntime } from '../runtime/types.js';

/** stdin: a character device at EOF (a page has nothing to type into it). */
class EmptyStdin extends CharacterDevice {
  override fd_read() {
    return { ret: shimWasi.ERRNO_SUCCESS, data: new Uint8Array(0) };
  }
}

export function createBrowserShimRuntime(args: readonly string[], env: Readonly<Record<string, string>>, output: (fd: 1 | 2, bytes: Uint8Array) => void): WasiRuntime {
  const { imports, start } = openShim(args, env, [
    new EmptyStdin(),
    new ConsoleStdout((bytes) => output(1, bytes)),
    new ConsoleStdout((bytes) => output(2, bytes)),
  ]);
  return { imports, layout: { runtimePreopenFds: [] }, start };
}
