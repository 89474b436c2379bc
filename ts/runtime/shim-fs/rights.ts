// What a descriptor of browser_wasi_shim's kind holds, for the host-backed
// descriptors: rights (checked by every call, as uvwasi and wasmtime do) and
// fdflags, and the most rights each kind of descriptor can hold.

import * as w from '../../wasi/index.js';

// The rights a descriptor of each kind can hold at most: uvwasi's sets
// (wasi_rights.h), which wasi-libc and the official test suite expect.
export const RIGHTS_REGULAR_FILE_BASE =
  w.RIGHTS_FD_DATASYNC |
  w.RIGHTS_FD_READ |
  w.RIGHTS_FD_SEEK |
  w.RIGHTS_FD_FDSTAT_SET_FLAGS |
  w.RIGHTS_FD_SYNC |
  w.RIGHTS_FD_TELL |
  w.RIGHTS_FD_WRITE |
  w.RIGHTS_FD_ADVISE |
  w.RIGHTS_FD_ALLOCATE |
  w.RIGHTS_FD_FILESTAT_GET |
  w.RIGHTS_FD_FILESTAT_SET_SIZE |
  w.RIGHTS_FD_FILESTAT_SET_TIMES |
  w.RIGHTS_POLL_FD_READWRITE;

export const RIGHTS_DIRECTORY_BASE =
  w.RIGHTS_FD_FDSTAT_SET_FLAGS |
  w.RIGHTS_FD_SYNC |
  w.RIGHTS_FD_ADVISE |
  w.RIGHTS_PATH_CREATE_DIRECTORY |
  w.RIGHTS_PATH_CREATE_FILE |
  w.RIGHTS_PATH_LINK_SOURCE |
  w.RIGHTS_PATH_LINK_TARGET |
  w.RIGHTS_PATH_OPEN |
  w.RIGHTS_FD_READDIR |
  w.RIGHTS_PATH_READLINK |
  w.RIGHTS_PATH_RENAME_SOURCE |
  w.RIGHTS_PATH_RENAME_TARGET |
  w.RIGHTS_PATH_FILESTAT_GET |
  w.RIGHTS_PATH_FILESTAT_SET_SIZE |
  w.RIGHTS_PATH_FILESTAT_SET_TIMES |
  w.RIGHTS_FD_FILESTAT_GET |
  w.RIGHTS_FD_FILESTAT_SET_TIMES |
  w.RIGHTS_PATH_SYMLINK |
  w.RIGHTS_PATH_UNLINK_FILE |
  w.RIGHTS_PATH_REMOVE_DIRECTORY |
  w.RIGHTS_POLL_FD_READWRITE;

export const RIGHTS_DIRECTORY_INHERITING = RIGHTS_DIRECTORY_BASE | RIGHTS_REGULAR_FILE_BASE;

export class Capabilities {
  constructor(
    public base: bigint,
    public inheriting: bigint,
    public fdflags: number,
  ) {}

  /** ENOTCAPABLE unless every right in `needed` is held (any one of them, with `any`). */
  check(needed: bigint, any = false): number {
    const held = this.base & needed;
    return (any ? held !== 0n : held === needed) ? w.ERRNO_SUCCESS : w.ERRNO_NOTCAPABLE;
  }

  /** fd_fdstat_set_rights: rights can only be dropped. */
  drop(base: bigint, inheriting: bigint): number {
    const b = BigInt.asUintN(64, base);
    const i = BigInt.asUintN(64, inheriting);
    if ((b & ~this.base) !== 0n || (i & ~this.inheriting) !== 0n) return w.ERRNO_NOTCAPABLE;
    this.base = b;
    this.inheriting = i;
    return w.ERRNO_SUCCESS;
  }
}
