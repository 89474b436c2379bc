// The preview1 constants the file-system code needs that ts/wasi/defs.ts does
// not define (yet): lookup, open, whence and set-times flags, and the rights
// each kind of descriptor can hold. Values are ABI, as the witx files define
// them; they belong beside the others in ts/wasi/defs.ts.

import * as w from '../../wasi/index.js';

export const LOOKUPFLAGS_SYMLINK_FOLLOW = 1 << 0;

export const OFLAGS_CREAT = 1 << 0;
export const OFLAGS_DIRECTORY = 1 << 1;
export const OFLAGS_EXCL = 1 << 2;
export const OFLAGS_TRUNC = 1 << 3;

export const WHENCE_SET = 0;
export const WHENCE_CUR = 1;
export const WHENCE_END = 2;

export const FSTFLAGS_ATIM = 1 << 0;
export const FSTFLAGS_ATIM_NOW = 1 << 1;
export const FSTFLAGS_MTIM = 1 << 2;
export const FSTFLAGS_MTIM_NOW = 1 << 3;
export const FSTFLAGS_ALL = FSTFLAGS_ATIM | FSTFLAGS_ATIM_NOW | FSTFLAGS_MTIM | FSTFLAGS_MTIM_NOW;

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

/** A character device or anything else that is neither a file nor a directory. */
export const RIGHTS_ALL = (1n << 30n) - 1n;
