// What every browser_wasi_shim descriptor backed by the real file system
// answers the same way, file or directory: its fdstat (filetype, fdflags,
// rights), changes to its fdflags and rights, its filestat (written with the
// project's codec, imports.ts), and the checks before setting its times or
// syncing it. Each kind supplies how it stats, sets times and syncs.

import type { BigIntStats } from 'node:fs';
import { Fd, wasi as shimWasi } from '@bjorn3/browser_wasi_shim';
import * as w from '../../wasi/index.js';
import { attempt, errnoOfFsError } from '../fs/errors.js';
import { filestatOf } from '../fs/stat.js';
import { checkFstflags } from '../fs/times.js';
import type { Capabilities } from './rights.js';

export abstract class HostDescriptor extends Fd {
  abstract readonly filetype: number;

  constructor(readonly caps: Capabilities) {
    super();
  }

  // Each throws node:fs errors (or WasiErrnoError); the caller turns them into errnos.
  protected abstract stat(): BigIntStats;
  /** fd_filestat_set_times with checked flags; the times as the module passed them. */
  protected abstract changeTimes(atim: bigint, mtim: bigint, fstflags: number): void;
  protected abstract sync(): void;

  /** The project's filestat (the shim's Filestat encodes the times at the wrong offsets). */
  filestat(): w.Filestat | number {
    const denied = this.caps.check(w.RIGHTS_FD_FILESTAT_GET);
    if (denied) return denied;
    try {
      return filestatOf(this.stat());
    } catch (error) {
      return errnoOfFsError(error);
    }
  }

  override fd_fdstat_get() {
    const fdstat = new shimWasi.Fdstat(this.filetype, this.caps.fdflags);
    fdstat.fs_rights_base = this.caps.base;
    fdstat.fs_rights_inherited = this.caps.inheriting;
    return { ret: w.ERRNO_SUCCESS, fdstat };
  }

  override fd_fdstat_set_flags(flags: number): number {
    const denied = this.caps.check(w.RIGHTS_FD_FDSTAT_SET_FLAGS);
    if (denied) return denied;
    if ((flags & ~w.FDFLAGS_ALL) !== 0) return w.ERRNO_INVAL;
    this.caps.fdflags = flags;
    return w.ERRNO_SUCCESS;
  }

  override fd_fdstat_set_rights(base: bigint, inheriting: bigint): number {
    return this.caps.drop(base, inheriting);
  }

  override fd_filestat_set_times(atim: bigint, mtim: bigint, fstflags: number): number {
    const denied = this.caps.check(w.RIGHTS_FD_FILESTAT_SET_TIMES);
    if (denied) return denied;
    const invalid = checkFstflags(fstflags);
    if (invalid) return invalid;
    return attempt(() => this.changeTimes(atim, mtim, fstflags));
  }

  override fd_sync(): number {
    // The shim sends fd_datasync here too: either right will do.
    const denied = this.caps.check(w.RIGHTS_FD_SYNC | w.RIGHTS_FD_DATASYNC, true);
    if (denied) return denied;
    return attempt(() => this.sync());
  }
}
