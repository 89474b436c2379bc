// Node's file-system errors as WASI errnos.

import { sandboxRefusal } from '../../js-runtime.js';
import { ERRNO_NOTCAPABLE, errnoFromNodeCode, isErrnoCode, WasiErrnoError } from '../../wasi/index.js';

/**
 * The errno for an error thrown by node:fs: one with a syscall, or (Deno's
 * node:fs throws some without one, e.g. AlreadyExists from symlinkSync) one
 * whose code names a POSIX errno; a call Deno's sandbox refused is
 * NOTCAPABLE. Anything else is a bug on the host's side and is thrown on:
 * the host's guard reports it and answers EIO.
 */
export function errnoOfFsError(error: unknown): number {
  if (sandboxRefusal(error) !== null) return ERRNO_NOTCAPABLE;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && (typeof (error as NodeJS.ErrnoException).syscall === 'string' || isErrnoCode(code))) return errnoFromNodeCode(code);
  throw error;
}

/** Runs `action`; a WasiErrnoError or a node:fs error becomes its errno, success ERRNO_SUCCESS (0) unless `action` returns one. */
export function attempt(action: () => number | void): number {
  try {
    return action() ?? 0;
  } catch (error) {
    if (error instanceof WasiErrnoError) return error.errno;
    return errnoOfFsError(error);
  }
}
