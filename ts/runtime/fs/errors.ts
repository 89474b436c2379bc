// Node's file-system errors as WASI errnos.

import { errnoFromNodeCode } from '../../wasi/index.js';

/**
 * The errno for an error thrown by node:fs. Anything else is a bug on the
 * host's side and is thrown on: the host's guard reports it and answers EIO.
 */
export function errnoOfFsError(error: unknown): number {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string') return errnoFromNodeCode(code);
  throw error;
}

/** Runs a node:fs call; a failure becomes its errno, success ERRNO_SUCCESS (0). */
export function fsCall(call: () => void): number {
  try {
    call();
    return 0;
  } catch (error) {
    return errnoOfFsError(error);
  }
}
