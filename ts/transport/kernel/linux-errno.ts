// Linux errno numbers (what the addon answers, negated) to their names and to
// WASI errnos, by way of those names: os.constants.errno has Linux's numbers by
// name and ts/wasi/errno.ts the one table from names to WASI errnos.

import { constants } from 'node:os';
import { ERRNO_IO } from '../../wasi/defs.js';
import { errnoFromNodeCode } from '../../wasi/errno.js';

const byNumber: number[] = [];
const names: string[] = [];
for (const [name, value] of Object.entries(constants.errno)) {
  const wasi = errnoFromNodeCode(name);
  // EAGAIN and EWOULDBLOCK share a number: either name gives the same WASI errno.
  if (byNumber[value] === undefined || byNumber[value] === ERRNO_IO) byNumber[value] = wasi;
  // The first name listed (EAGAIN, ENOTSUP) is the one Node's own errors carry.
  names[value] ??= name;
}

/** A Linux errno (positive) as a WASI errno; EIO for one WASI has no name for. */
export function wasiErrnoOf(linuxErrno: number): number {
  return byNumber[linuxErrno] ?? ERRNO_IO;
}

/** A Linux errno (positive) by name (EADDRINUSE), as Node's `code`; `errno N` for one Node has no name for. */
export function linuxErrnoName(linuxErrno: number): string {
  return names[linuxErrno] ?? `errno ${linuxErrno}`;
}

export const LINUX_EAGAIN = constants.errno.EAGAIN;
export const LINUX_EINTR = constants.errno.EINTR;
export const LINUX_EINPROGRESS = constants.errno.EINPROGRESS;
