// Where the preview1 imports that take a path have it: the one table the host
// (range checks) and the node runtime's fixes (path resolution, NUL
// termination) both read.

export interface PathArg {
  /** The directory fd it is relative to; null: a symlink's contents, not a lookup. */
  dir: number | null;
  /** The lookup flags; null: a final symlink is not followed. */
  flags: number | null;
  /** The path's pointer and length. */
  ptr: number;
  len: number;
}

/** Argument positions, per import, of every path it takes. */
export const PATH_ARGS: Readonly<Record<string, readonly PathArg[]>> = {
  path_create_directory: [{ dir: 0, flags: null, ptr: 1, len: 2 }],
  path_filestat_get: [{ dir: 0, flags: 1, ptr: 2, len: 3 }],
  path_filestat_set_times: [{ dir: 0, flags: 1, ptr: 2, len: 3 }],
  path_link: [
    { dir: 0, flags: 1, ptr: 2, len: 3 },
    { dir: 4, flags: null, ptr: 5, len: 6 },
  ],
  path_open: [{ dir: 0, flags: 1, ptr: 2, len: 3 }],
  path_readlink: [{ dir: 0, flags: null, ptr: 1, len: 2 }],
  path_remove_directory: [{ dir: 0, flags: null, ptr: 1, len: 2 }],
  path_rename: [
    { dir: 0, flags: null, ptr: 1, len: 2 },
    { dir: 3, flags: null, ptr: 4, len: 5 },
  ],
  path_symlink: [
    { dir: null, flags: null, ptr: 0, len: 1 },
    { dir: 2, flags: null, ptr: 3, len: 4 },
  ],
  path_unlink_file: [{ dir: 0, flags: null, ptr: 1, len: 2 }],
};
