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
