// What node:wasi lets a module do to the host process itself, taken away:
// uvwasi's descriptors 0-2 are the process's own stdin, stdout and stderr
// (not copies of them), and its proc_raise signals the process. Numbers are
// uvwasi's; the socket host calls these with them.

import type { WasiFunction } from '../host/index.js';
import { ERRNO_NOTSUP, ERRNO_SUCCESS } from '../wasi/index.js';

const isProcessStdio = (fd: number): boolean => fd >= 0 && fd <= 2;

export function guardHostProcess(imports: Record<string, WasiFunction>): void {
  // fd_fdstat_set_flags applies fcntl(F_SETFL) to the real descriptor: a
  // module must not make the process's stdio nonblocking (or append-only)
  // under Node.
  const setFlags = imports.fd_fdstat_set_flags!;
  imports.fd_fdstat_set_flags = (fd: number, flags: number) => (isProcessStdio(fd) ? ERRNO_NOTSUP : setFlags(fd, flags));

  // fd_close closed the process's own descriptor: Node lost its stdout, and
  // the next socket or file the process opened took the number (and Node's
  // output). The module's descriptor is gone all the same (the socket host
  // drops it from the module's table and never names uvwasi's again).
  const close = imports.fd_close!;
  imports.fd_close = (fd: number) => (isProcessStdio(fd) ? ERRNO_SUCCESS : close(fd));

  // proc_raise sent the signal to the process: TERM or KILL ended the host,
  // USR1 opened Node's inspector. It ends the module as a trap instead, as
  // wasmtime and browser_wasi_shim do.
  imports.proc_raise = (signal: number) => {
    throw new Error(`proc_raise(${signal}): a module cannot signal its host`);
  };
}
