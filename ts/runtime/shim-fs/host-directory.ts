// A browser_wasi_shim descriptor for a directory on the real file system:
// a preopened directory (`--dir`), or one the module opened below it. Every
// path is resolved inside the preopen by fs/sandbox.ts (no `..` or symlink
// leaves it); the operation is then node:fs's on the host path, so the
// answers are the host's (Linux's errnos).
//
// The shim's path_link and path_rename move in-memory inodes and its
// path_symlink always answers ENOTSUP: imports.ts replaces those imports and
// calls link(), rename() and symlink() here.

import { constants, lstatSync, mkdirSync, openSync, closeSync, fstatSync, fsyncSync, linkSync, renameSync, rmdirSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { Fd, wasi as shimWasi } from '@bjorn3/browser_wasi_shim';
import * as w from '../../wasi/index.js';
import { WasiErrnoError } from '../../wasi/index.js';
import { attempt } from '../fs/errors.js';
import type { DirEntry } from '../fs/readdir.js';
import { hostPath, locationOf, resolveTarget, type Location, type Target } from '../fs/sandbox.js';
import { lstatOrNull, open, readlink } from '../fs/posix.js';
import { filestatOf, filetypeOf } from '../fs/stat.js';
import { checkFstflags, setTimes } from '../fs/times.js';
import { HostDescriptor } from './host-descriptor.js';
import { HostFile } from './host-file.js';
import { Capabilities, RIGHTS_DIRECTORY_BASE, RIGHTS_DIRECTORY_INHERITING, RIGHTS_REGULAR_FILE_BASE } from './rights.js';

const READ_RIGHTS = w.RIGHTS_FD_READ | w.RIGHTS_FD_READDIR;
const WRITE_RIGHTS = w.RIGHTS_FD_DATASYNC | w.RIGHTS_FD_WRITE | w.RIGHTS_FD_ALLOCATE | w.RIGHTS_FD_FILESTAT_SET_SIZE;

export class HostDirectory extends HostDescriptor {
  override readonly filetype = w.FILETYPE_DIRECTORY;
  /** fd_readdir's entries since the module last read from cookie 0. */
  listing: DirEntry[] | null = null;

  constructor(
    readonly location: Location,
    caps: Capabilities,
    /** The guest path, for a preopened directory. */
    readonly preopenName: string | null = null,
  ) {
    super(caps);
  }

  /** A preopened directory: the real directory  (a real path), every right. */
  static preopen(root: string, guest: string): HostDirectory {
    return new HostDirectory({ root, parts: [] }, new Capabilities(RIGHTS_DIRECTORY_BASE, RIGHTS_DIRECTORY_INHERITING, 0), guest);
  }

  get path(): string {
    return hostPath(this.location);
  }

  /** The target of `path` if this directory holds `right`; throws WasiErrnoError. */
  resolve(right: bigint, path: string, follow: boolean): Target {
    const denied = this.caps.check(right);
    if (denied) throw new WasiErrnoError(denied);
    return resolveTarget(this.location, path, follow);
  }

  protected override stat() {
    return statSync(this.path, { bigint: true });
  }

  pathFilestat(flags: number, path: string): w.Filestat | number {
    let result: w.Filestat | number = w.ERRNO_IO;
    const r = attempt(() => {
      const follow = (flags & w.LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0;
      const target = this.resolve(w.RIGHTS_PATH_FILESTAT_GET, path, follow);
      const stat = follow || target.trailingSlash ? statSync(target.host, { bigint: true }) : lstatSync(target.host, { bigint: true });
      if (target.trailingSlash && !stat.isDirectory()) return w.ERRNO_NOTDIR;
      result = filestatOf(stat);
    });
    return r === w.ERRNO_SUCCESS ? result : r;
  }

  override fd_prestat_get() {
    if (this.preopenName === null) return { ret: w.ERRNO_BADF, prestat: null };
    return { ret: w.ERRNO_SUCCESS, prestat: shimWasi.Prestat.dir(this.preopenName) };
  }

  protected override changeTimes(atim: bigint, mtim: bigint, fstflags: number): void {
    setTimes(this.path, true, BigInt.asUintN(64, atim), BigInt.asUintN(64, mtim), fstflags);
  }

  protected override sync(): void {
    const fd = openSync(this.path, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  // Byte I/O on a directory: ENOTCAPABLE without the right (a directory never
  // has it), EISDIR otherwise, as uvwasi answers.
  private notAFile(right: bigint): number {
    return this.caps.check(right) || w.ERRNO_ISDIR;
  }

  override fd_read() {
    return { ret: this.notAFile(w.RIGHTS_FD_READ), data: new Uint8Array(0) };
  }

  override fd_pread() {
    return { ret: this.notAFile(w.RIGHTS_FD_READ | w.RIGHTS_FD_SEEK), data: new Uint8Array(0) };
  }

  override fd_write() {
    return { ret: this.notAFile(w.RIGHTS_FD_WRITE), nwritten: 0 };
  }

  override fd_pwrite() {
    return { ret: this.notAFile(w.RIGHTS_FD_WRITE | w.RIGHTS_FD_SEEK), nwritten: 0 };
  }

  override fd_seek() {
    return { ret: this.notAFile(w.RIGHTS_FD_SEEK), offset: 0n };
  }

  override fd_tell() {
    return { ret: this.notAFile(w.RIGHTS_FD_TELL), offset: 0n };
  }

  override fd_allocate(): number {
    return this.notAFile(w.RIGHTS_FD_ALLOCATE);
  }

  override fd_filestat_set_size(): number {
    return this.notAFile(w.RIGHTS_FD_FILESTAT_SET_SIZE);
  }

  override path_create_directory(path: string): number {
    return attempt(() => {
      const target = this.resolve(w.RIGHTS_PATH_CREATE_DIRECTORY, path, false);
      if (target.name === null) return w.ERRNO_EXIST;
      mkdirSync(target.host, 0o777);
    });
  }

  override path_remove_directory(path: string): number {
    return attempt(() => {
      const target = this.resolve(w.RIGHTS_PATH_REMOVE_DIRECTORY, path, false);
      // rmdir(2): "." is EINVAL, ".." is ENOTEMPTY.
      if (target.name === null) return path.replace(/\/+$/, '').endsWith('..') ? w.ERRNO_NOTEMPTY : w.ERRNO_INVAL;
      rmdirSync(target.host);
    });
  }

  override path_unlink_file(path: string): number {
    return attempt(() => {
      const target = this.resolve(w.RIGHTS_PATH_UNLINK_FILE, path, false);
      if (target.name === null) return w.ERRNO_ISDIR;
      if (target.trailingSlash) {
        const stat = lstatOrNull(target.host);
        if (stat === null) return w.ERRNO_NOENT;
        return stat.isDirectory() ? w.ERRNO_ISDIR : w.ERRNO_NOTDIR;
      }
      // Deno's unlinkSync removes an empty directory; unlink(2) removes none.
      if (lstatOrNull(target.host)?.isDirectory()) return w.ERRNO_ISDIR;
      unlinkSync(target.host);
    });
  }

  override path_filestat_set_times(flags: number, path: string, atim: bigint, mtim: bigint, fstflags: number): number {
    return attempt(() => {
      const follow = (flags & w.LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0;
      const target = this.resolve(w.RIGHTS_PATH_FILESTAT_SET_TIMES, path, follow);
      const invalid = checkFstflags(fstflags);
      if (invalid) return invalid;
      setTimes(target.host, follow || target.trailingSlash, BigInt.asUintN(64, atim), BigInt.asUintN(64, mtim), fstflags);
    });
  }

  override path_open(dirflags: number, path: string, oflags: number, base: bigint, inheriting: bigint, fdflags: number) {
    let opened: Fd | null = null;
    const ret = attempt(() => {
      base = BigInt.asUintN(64, base);
      inheriting = BigInt.asUintN(64, inheriting);
      if ((fdflags & ~w.FDFLAGS_ALL) !== 0) return w.ERRNO_INVAL;
      // The rights uvwasi asks of the directory: the call's own, and every
      // right the new descriptor is to have must be inheritable from it.
      let needed = w.RIGHTS_PATH_OPEN;
      if (oflags & w.OFLAGS_CREAT) needed |= w.RIGHTS_PATH_CREATE_FILE;
      if (oflags & w.OFLAGS_TRUNC) needed |= w.RIGHTS_PATH_FILESTAT_SET_SIZE;
      let neededInheriting = base | inheriting;
      if (fdflags & w.FDFLAGS_DSYNC) neededInheriting |= w.RIGHTS_FD_DATASYNC;
      if (fdflags & (w.FDFLAGS_RSYNC | w.FDFLAGS_SYNC)) neededInheriting |= w.RIGHTS_FD_SYNC;
      if ((this.caps.inheriting & neededInheriting) !== neededInheriting) return w.ERRNO_NOTCAPABLE;
      const follow = (dirflags & w.LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0;
      const target = this.resolve(needed, path, follow);
      const mustBeDir = (oflags & w.OFLAGS_DIRECTORY) !== 0 || target.trailingSlash;
      const stat = lstatOrNull(target.host);
      // O_NOFOLLOW: a final symlink is not opened.
      if (stat?.isSymbolicLink()) return w.ERRNO_LOOP;
      if (stat !== null && oflags & w.OFLAGS_CREAT && oflags & w.OFLAGS_EXCL) return w.ERRNO_EXIST;
      if (stat?.isDirectory()) {
        // open(2) of a directory for writing, truncating or creating is EISDIR.
        if (base & WRITE_RIGHTS || oflags & (w.OFLAGS_TRUNC | w.OFLAGS_CREAT)) return w.ERRNO_ISDIR;
        opened = new HostDirectory(locationOf(target), new Capabilities(base & RIGHTS_DIRECTORY_BASE, inheriting & RIGHTS_DIRECTORY_INHERITING, fdflags));
        return;
      }
      if (stat === null && !(oflags & w.OFLAGS_CREAT)) return w.ERRNO_NOENT;
      if (mustBeDir) return stat === null ? (target.trailingSlash ? w.ERRNO_ISDIR : w.ERRNO_NOENT) : w.ERRNO_NOTDIR;
      const read = (base & READ_RIGHTS) !== 0n;
      const write = (base & WRITE_RIGHTS) !== 0n;
      let flags = (write ? (read ? constants.O_RDWR : constants.O_WRONLY) : constants.O_RDONLY) | constants.O_NOFOLLOW;
      if (oflags & w.OFLAGS_CREAT) flags |= constants.O_CREAT;
      if (oflags & w.OFLAGS_EXCL) flags |= constants.O_EXCL;
      if (oflags & w.OFLAGS_TRUNC) flags |= constants.O_TRUNC;
      // A FIFO or a device must not block the module's thread in open(2).
      if (fdflags & w.FDFLAGS_NONBLOCK) flags |= constants.O_NONBLOCK;
      const fd = open(target.host, flags, 0o666);
      let filetype: number;
      try {
        filetype = filetypeOf(fstatSync(fd, { bigint: true }));
      } catch (error) {
        closeSync(fd);
        throw error;
      }
      let max = filetype === w.FILETYPE_REGULAR_FILE ? RIGHTS_REGULAR_FILE_BASE : w.RIGHTS_ALL;
      if (!write) max &= ~w.RIGHTS_FD_WRITE;
      if (!read) max &= ~w.RIGHTS_FD_READ;
      opened = new HostFile(fd, filetype, new Capabilities(base & max, 0n, fdflags));
    });
    return { ret, fd_obj: ret === w.ERRNO_SUCCESS ? opened : null };
  }

  /** path_readlink: the link's contents (the caller truncates them to its buffer). */
  readlink(path: string): Buffer | number {
    let contents: Buffer | null = null;
    const r = attempt(() => {
      const target = this.resolve(w.RIGHTS_PATH_READLINK, path, false);
      if (target.name === null) return w.ERRNO_INVAL;
      contents = readlink(target.host);
    });
    return r === w.ERRNO_SUCCESS ? contents! : r;
  }

  /** path_symlink: a link here at `path` whose contents are `contents`. */
  symlink(contents: string, path: string): number {
    return attempt(() => {
      const target = this.resolve(w.RIGHTS_PATH_SYMLINK, path, false);
      if (contents.includes('\0')) return w.ERRNO_INVAL;
      // A link to an absolute path would point outside the sandbox; resolution refuses to follow it anyway.
      if (contents.startsWith('/')) return w.ERRNO_NOTCAPABLE;
      if (target.name === null) return w.ERRNO_EXIST;
      if (target.trailingSlash) {
        const stat = lstatOrNull(target.host);
        if (stat === null) return w.ERRNO_NOENT;
        return stat.isDirectory() ? w.ERRNO_EXIST : w.ERRNO_NOTDIR;
      }
      symlinkSync(contents, target.host);
    });
  }

  /** path_link: a hard link at `newPath` in `to` to `oldPath` here. */
  link(flags: number, oldPath: string, to: HostDirectory, newPath: string): number {
    return attempt(() => {
      const from = this.resolve(w.RIGHTS_PATH_LINK_SOURCE, oldPath, (flags & w.LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0);
      const target = to.resolve(w.RIGHTS_PATH_LINK_TARGET, newPath, false);
      if (from.name === null) return w.ERRNO_PERM;
      if (target.name === null) return w.ERRNO_EXIST;
      if (from.trailingSlash && !lstatOrNull(from.host)?.isDirectory()) return w.ERRNO_NOTDIR;
      if (target.trailingSlash) return lstatOrNull(target.host) === null ? w.ERRNO_NOENT : w.ERRNO_EXIST;
      linkSync(from.host, target.host);
    });
  }

  /** path_rename: `oldPath` here becomes `newPath` in `to`, in one rename(2). */
  rename(oldPath: string, to: HostDirectory, newPath: string): number {
    return attempt(() => {
      const from = this.resolve(w.RIGHTS_PATH_RENAME_SOURCE, oldPath, false);
      const target = to.resolve(w.RIGHTS_PATH_RENAME_TARGET, newPath, false);
      if (from.name === null || target.name === null) return w.ERRNO_BUSY;
      if (from.trailingSlash || target.trailingSlash) {
        // A trailing slash on either side says the source is a directory.
        const stat = lstatOrNull(from.host);
        if (stat === null) return w.ERRNO_NOENT;
        if (!stat.isDirectory()) return w.ERRNO_NOTDIR;
      }
      renameSync(from.host, target.host);
    });
  }
}
