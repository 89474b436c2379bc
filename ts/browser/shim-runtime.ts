// @bjorn3/browser_wasi_shim as the runtime in a browser worker: args, env,
// clocks, random and stdio. No directories (there is no file system to give).
// Its poll_oneoff and sock_* never run: the socket host owns those imports.

import { ConsoleStdout, Fd, WASI, wasi as shimWasi } from '@bjorn3/browser_wasi_shim';
import type { WasiFunction } from '../host/index.js';
import type { WasiRuntime } from '../runtime/types.js';

/** stdin: a character device at EOF (a page has nothing to type into it). */
class EmptyStdin extends Fd {
  override fd_fdstat_get() {
    return { ret: shimWasi.ERRNO_SUCCESS, fdstat: new shimWasi.Fdstat(shimWasi.FILETYPE_CHARACTER_DEVICE, 0) };
  }

  override fd_read() {
    return { ret: shimWasi.ERRNO_SUCCESS, data: new Uint8Array(0) };
  }
}

export function createBrowserShimRuntime(args: readonly string[], env: Readonly<Record<string, string>>, output: (fd: 1 | 2, bytes: Uint8Array) => void): WasiRuntime {
  const fds: Fd[] = [new EmptyStdin(), new ConsoleStdout((bytes) => output(1, bytes)), new ConsoleStdout((bytes) => output(2, bytes))];
  const wasi = new WASI([...args], Object.entries(env).map(([k, v]) => `${k}=${v}`), fds, { debug: false });
  return {
    imports: wasi.wasiImport as Record<string, WasiFunction>,
    layout: { runtimePreopenFds: [] },
    start(instance) {
      return wasi.start(instance as unknown as Parameters<WASI['start']>[0]);
    },
  };
}
