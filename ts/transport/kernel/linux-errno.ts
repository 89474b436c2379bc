// Linux errno numbers (what the addon answers, negated) to WASI errnos, by
// way of their names: os.constants.errno has Linux's numbers by name and
// ts/wasi/errno.ts the one table from names to WASI errnos.

import { constants } from 'node:os';
import { ERRNO_IO } from '../../wasi/defs.js';
import { errnoFromNodeCode } from '../../wasi/errno.js';

const byNumber: number[] = [];
for (const [name, value] of Object.entries(constants.errno)) {
  const wasi = errnoFromNodeCode(name);
  // EAGAIN and EWOULDBLOCK share a number: either name gives the same WASI errno.
  if (byNumber[value] === undefined || byNumber[value] === ERRNO_IO) byNumber[value] = wasi;
}

/** A Linux errno (positive) as a WASI errno; EIO for one WASI has no name for. */
export function wasiErrnoOf(linuxErrno: number): number {
  return byNumber[linuxErrno] ?? ERRNO_IO;
}

export const LINUX_EAGAIN = constants.errno.EAGAIN;
export const LINUX_EINTR = constants.errno.EINTR;
