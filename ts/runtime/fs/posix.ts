// node:fs calls that behave as the POSIX call they are named for under every
// JavaScript runtime this host runs in. Deno's and Bun's node:fs differ from
// Node's in a few places that change a WASI answer (found by the WASI test
// suite under each, test/conformance.test.ts); each difference is handled
// here, once, so the descriptors above can assume POSIX.

import { closeSync, constants, existsSync, fstatSync, ftruncateSync, lstatSync, openSync, readlinkSync, type BigIntStats } from 'node:fs';
import { errnoOfFsError } from './errors.js';
import * as w from '../../wasi/index.js';
import { WasiErrnoError } from '../../wasi/index.js';

let hasProcFd: boolean | null = null;

/**
 * Linux's path to an open descriptor of this process (follows it even after
 * a rename or unlink), or null where there is none, or where the sandbox
 * hides it (Deno lets only --allow-all read /proc/self/fd). Looked for on
 * first use, so a module that never needs it costs no permission.
 */
export function procFdPath(fd: number): string | null {
  if (hasProcFd === null) {
    try {
      hasProcFd = existsSync('/proc/self/fd');
    } catch {
      hasProcFd = false;
    }
  }
  return hasProcFd ? `/proc/${process.pid}/fd/${fd}` : null;
}

/** lstat, or null where nothing is (any other failure is thrown). */
export function lstatOrNull(path: string | Buffer): BigIntStats | null {
  try {
    return lstatSync(path, { bigint: true });
  } catch (error) {
    if (errnoOfFsError(error) === w.ERRNO_NOENT) return null;
    throw error;
  }
}

/**
 * open(2). Deno's openSync refuses O_TRUNC without write access (a TypeError,
 * "creating or truncating a file requires write or append access") where
 * Linux truncates; there the file is opened without O_TRUNC and, if it is a
 * regular file, truncated through a second, write-only descriptor of the same
 * path (which asks for the same write permission O_TRUNC needs), used only
 * if it is the same file (else EAGAIN: the path was replaced in between).
 */
export function open(path: string, flags: number, mode: number): number {
  try {
    return openSync(path, flags, mode);
  } catch (error) {
    const readOnlyTruncate = (flags & constants.O_TRUNC) !== 0 && (flags & (constants.O_WRONLY | constants.O_RDWR)) === 0;
    if (!(error instanceof TypeError) || !readOnlyTruncate) throw error;
  }
  const fd = openSync(path, flags & ~constants.O_TRUNC, mode);
  try {
    const opened = fstatSync(fd, { bigint: true });
    if (opened.isFile()) {
      const writer = openSync(path, constants.O_WRONLY | (flags & constants.O_NOFOLLOW));
      try {
        const other = fstatSync(writer, { bigint: true });
        if (other.dev !== opened.dev || other.ino !== opened.ino) throw new WasiErrnoError(w.ERRNO_AGAIN);
        ftruncateSync(writer, 0);
      } finally {
        closeSync(writer);
      }
    }
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** readlink(2), the target as bytes (Deno's readlinkSync(path, 'buffer') gives a string, and its { encoding: 'buffer' } a Uint8Array). */
export function readlink(path: string): Buffer {
  return Buffer.from(readlinkSync(path, { encoding: 'buffer' }));
}
