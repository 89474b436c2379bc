// fd_filestat_set_times / path_filestat_set_times on the real file system,
// to the nanosecond.
//
// node:fs cannot do that: libuv (1.46, Node 20) takes times as double seconds
// and truncates them to whole microseconds, and it has no way to leave one of
// the two times alone (UTIME_OMIT). So times that are whole microseconds (and
// an omitted time whose current value is one) are set with node:fs, passing
// the middle of the microsecond so that the double's rounding cannot push it
// into the previous one; anything finer goes to coreutils' `touch -d
// @SECONDS.NANOS` (utimensat(2) with nanoseconds; -a/-m leave the other time
// alone, -h does not follow a symlink). Where `touch` cannot be run, node:fs
// sets the times rounded down to the microsecond, as every libuv-based
// runtime does.

import { lstatSync, lutimesSync, statSync, utimesSync } from 'node:fs';
import * as w from '../../wasi/index.js';
import { WasiErrnoError } from '../../wasi/index.js';
import { errnoOfFsError } from './errors.js';
import { lazyNodeModule } from '../../node-require.js';

/** Only a time finer than a microsecond needs it. */
const childProcess = lazyNodeModule<typeof import('node:child_process')>('node:child_process');


/** EINVAL for unknown bits and for a time given both as a value and as "now" (as utimensat's rules). */
export function checkFstflags(flags: number): number {
  if ((flags & ~w.FSTFLAGS_ALL) !== 0) return w.ERRNO_INVAL;
  if ((flags & w.FSTFLAGS_ATIM) !== 0 && (flags & w.FSTFLAGS_ATIM_NOW) !== 0) return w.ERRNO_INVAL;
  if ((flags & w.FSTFLAGS_MTIM) !== 0 && (flags & w.FSTFLAGS_MTIM_NOW) !== 0) return w.ERRNO_INVAL;
  return w.ERRNO_SUCCESS;
}

function realtimeNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

/** Seconds as libuv wants them: the middle of the microsecond `ns` falls in. */
function toLibuvSeconds(ns: bigint): number {
  const us = ns / 1000n;
  return Number(us / 1_000_000n) + (Number(us % 1_000_000n) + 0.5) / 1e6;
}

function touchDate(ns: bigint): string {
  return `@${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
}

let touchMissing = false;

/** True when `touch` set the times; false when it could not be run (node:fs then does). */
function touch(path: string, follow: boolean, atim: bigint | null, mtim: bigint | null): boolean {
  if (touchMissing) return false;
  const runs: string[][] = [];
  if (atim !== null && mtim !== null && atim === mtim) runs.push(['-d', touchDate(atim)]);
  else {
    if (atim !== null) runs.push(['-a', '-d', touchDate(atim)]);
    if (mtim !== null) runs.push(['-m', '-d', touchDate(mtim)]);
  }
  for (const run of runs) {
    try {
      // -c: never create the file if it vanished meanwhile.
      childProcess().execFileSync('touch', ['-c', ...(follow ? [] : ['-h']), ...run, '--', path], { stdio: 'ignore', timeout: 10_000 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') touchMissing = true;
      return false;
    }
  }
  return true;
}

/**
 * Sets the times of `path` (not following a final symlink unless `follow`).
 * `flags` must have passed checkFstflags. Throws WasiErrnoError.
 */
export function setTimes(path: string, follow: boolean, atim: bigint, mtim: bigint, flags: number): void {
  const now = (flags & (w.FSTFLAGS_ATIM_NOW | w.FSTFLAGS_MTIM_NOW)) !== 0 ? realtimeNs() : 0n;
  const a = flags & w.FSTFLAGS_ATIM ? atim : flags & w.FSTFLAGS_ATIM_NOW ? now : null;
  const m = flags & w.FSTFLAGS_MTIM ? mtim : flags & w.FSTFLAGS_MTIM_NOW ? now : null;
  try {
    const current = follow ? statSync(path, { bigint: true }) : lstatSync(path, { bigint: true });
    if (a === null && m === null) return;
    const atime = a ?? current.atimeNs;
    const mtime = m ?? current.mtimeNs;
    const wholeMicroseconds = atime % 1000n === 0n && mtime % 1000n === 0n;
    if (!wholeMicroseconds && touch(path, follow, a, m)) return;
    (follow ? utimesSync : lutimesSync)(path, toLibuvSeconds(atime), toLibuvSeconds(mtime));
  } catch (error) {
    throw new WasiErrnoError(errnoOfFsError(error));
  }
}
