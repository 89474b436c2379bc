// Corrections to node:wasi (uvwasi, Node 20) where it breaks the WASI
// preview1 contract, one import at a time; each names the behaviour it
// corrects. The official wasi-testsuite (test/conformance.test.ts) fails
// without each of them.
//
// Where a wrapper is not enough, the import is implemented over node:fs with
// the descriptor's real host path. uvwasi does not expose its descriptors'
// paths, so this file keeps its own: the preopens' (from the config) and,
// for every successful path_open, the path that resolves to (fs/sandbox.ts
// resolves the same way uvwasi does: by path, not by descriptor). A
// descriptor this file could not follow (a path uvwasi resolved and it did
// not) keeps uvwasi's own behaviour. Numbers are uvwasi's throughout.

import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import type { WasiFunction } from '../host/index.js';
import * as w from '../wasi/index.js';
import { checkRange, u32, WasiErrnoError } from '../wasi/index.js';
import { attempt, errnoOfFsError } from './fs/errors.js';
import { listDirectory, writeDirents, type DirEntry } from './fs/readdir.js';
import { hostPath, locationOf, resolveTarget, type Location } from './fs/sandbox.js';
import { checkFstflags, setTimes } from './fs/times.js';

/** A uvwasi descriptor whose host path is known. */
interface Known {
  /** Where it is: a preopen's real path and the names below it. */
  location: Location;
  /** The (dev, ino) it had when opened: a path that no longer leads to it is not used. */
  dev: bigint;
  ino: bigint;
  /** The fdflags the module opened it with, as far as Linux keeps them (see fd_fdstat_set_flags). */
  fdflags: number;
  /** fd_readdir's entries since the module last read from cookie 0. */
  listing: DirEntry[] | null;
}


// Linux's open(2) status flags as fcntl(F_GETFL) reports them.
const LINUX_O_APPEND = 0o2000;
const LINUX_O_NONBLOCK = 0o4000;
const LINUX_O_DSYNC = 0o10000;
/** What F_SETFL can change on Linux; it silently ignores the synchronous-I/O flags. */
const SETTABLE_FDFLAGS = w.FDFLAGS_APPEND | w.FDFLAGS_NONBLOCK;

const u64 = (v: unknown): bigint => BigInt.asUintN(64, BigInt(v as bigint | number));

export interface NodePreopen {
  /** uvwasi's number for it. */
  rt: number;
  host: string;
}

/**
 * Replaces the imports below in `imports` (uvwasi's, bound) with corrected
 * ones. `memory` is the module's memory once it is instantiated.
 */
export function fixUvwasi(imports: Record<string, WasiFunction>, preopens: readonly NodePreopen[], memory: () => WebAssembly.Memory): { closeAll(): void } {
  const uvwasi = { ...imports };
  const known = new Map<number, Known>();
  /** Every uvwasi descriptor the module may still hold beyond stdio. */
  const open = new Set<number>(preopens.map((p) => p.rt));
  for (const { rt, host } of preopens) {
    const root = realpathSync(host);
    const stat = statSync(root, { bigint: true });
    known.set(rt, { location: { root, parts: [] }, dev: stat.dev, ino: stat.ino, fdflags: 0, listing: null });
  }

  const bytes = () => new Uint8Array(memory().buffer);
  const readPath = (ptr: number, len: number): Buffer => {
    checkRange(new DataView(memory().buffer), ptr, len);
    return Buffer.from(bytes().subarray(ptr, ptr + len));
  };

  /**
   * uvwasi's fdstat of `fd` (rights, filetype), or its errno. uvwasi writes it
   * only to the module's memory, so 24 bytes are borrowed and put back before
   * the module runs again.
   */
  const fdstatOf = (fd: number): w.Fdstat | number => {
    const mem = bytes();
    if (mem.length < w.FDSTAT_SIZE) return w.ERRNO_FAULT;
    const saved = mem.slice(0, w.FDSTAT_SIZE);
    try {
      const r = uvwasi.fd_fdstat_get!(fd, 0) as number;
      return r === w.ERRNO_SUCCESS ? w.readFdstat(new DataView(memory().buffer), 0) : r;
    } finally {
      bytes().set(saved, 0);
    }
  };

  /** uvwasi's fdstat of `fd` if it holds `right`; its errno, or ENOTCAPABLE, otherwise. */
  const withRight = (fd: number, right: bigint): w.Fdstat | number => {
    const stat = fdstatOf(fd);
    if (typeof stat === 'number') return stat;
    return (stat.rightsBase & right) === 0n ? w.ERRNO_NOTCAPABLE : stat;
  };

  /** The known directory `fd`, if it holds `right`; an errno otherwise; null when it is not known (uvwasi answers). */
  const knownDirectory = (fd: number, right: bigint): Known | number | null => {
    const entry = known.get(fd);
    if (entry === undefined) return null;
    const stat = withRight(fd, right);
    if (typeof stat === 'number') return stat;
    if (stat.filetype !== w.FILETYPE_DIRECTORY) return w.ERRNO_NOTDIR;
    return entry;
  };

  /** The host path of a known descriptor, if it still leads to the same file. */
  const stillThere = (entry: Known): string | null => {
    const path = hostPath(entry.location);
    try {
      const stat = lstatSync(path, { bigint: true });
      return stat.dev === entry.dev && stat.ino === entry.ino ? path : null;
    } catch (error) {
      errnoOfFsError(error);
      return null;
    }
  };

  // Two checks before every path import.
  // - A path with a NUL byte in it was accepted: uvwasi reads paths as C
  //   strings, so "file\0" opened "file". It is EINVAL.
  // - A relative symlink that leads out of the directory was followed on the
  //   way ("link/secret" with link -> ../outside opened the file outside the
  //   preopen): uvwasi checks the path's text, not where its symlinks go.
  //   The path is resolved here first (fs/sandbox.ts), and ENOTCAPABLE if it
  //   leaves the directory; every other answer stays uvwasi's.
  for (const [name, paths] of Object.entries(w.PATH_ARGS)) {
    const fn = imports[name];
    if (fn === undefined) continue;
    imports[name] = (...args: unknown[]) => {
      for (const { dir, flags, ptr, len } of paths) {
        const path = readPath(u32(args[ptr]), u32(args[len]));
        if (path.includes(0)) return w.ERRNO_INVAL;
        const entry = dir === null ? undefined : known.get(u32(args[dir]));
        if (entry === undefined) continue;
        const follow = flags !== null && (u32(args[flags]) & w.LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0;
        try {
          resolveTarget(entry.location, path.toString('utf8'), follow);
        } catch (error) {
          if (error instanceof WasiErrnoError && error.errno === w.ERRNO_NOTCAPABLE) return w.ERRNO_NOTCAPABLE;
          if (!(error instanceof WasiErrnoError)) errnoOfFsError(error);
        }
      }
      return fn(...args);
    };
  }

  // path_open without LOOKUPFLAGS_SYMLINK_FOLLOW followed a final symlink
  // (opened a directory symlink as the directory, and answered ENOENT for a
  // dangling one): it must fail with ELOOP, as open(2) with O_NOFOLLOW does.
  // Each descriptor it opens is followed from here on.
  const pathOpen = imports.path_open!;
  imports.path_open = (dirfd: number, dirflags: number, path: number, pathLen: number, oflags: number, base: bigint, inheriting: bigint, fdflags: number, opened: number) => {
    const dir = known.get(u32(dirfd));
    const follow = (u32(dirflags) & w.LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0;
    let target = null;
    if (dir !== undefined) {
      try {
        target = resolveTarget(dir.location, readPath(u32(path), u32(pathLen)).toString('utf8'), follow);
      } catch (error) {
        // uvwasi answers for paths this file cannot resolve.
        if (!(error instanceof WasiErrnoError)) errnoOfFsError(error);
      }
      if (target !== null && !follow && target.name !== null && !target.trailingSlash && isSymlink(target.host)) return w.ERRNO_LOOP;
    }
    const r = pathOpen(dirfd, dirflags, path, pathLen, oflags, base, inheriting, fdflags, opened) as number;
    if (r !== w.ERRNO_SUCCESS) return r;
    const fd = w.readU32(new DataView(memory().buffer), u32(opened));
    open.add(fd);
    if (target === null) return r;
    try {
      const stat = statSync(target.host, { bigint: true });
      known.set(fd, { location: locationOf(target), dev: stat.dev, ino: stat.ino, fdflags: u32(fdflags) & w.FDFLAGS_ALL, listing: null });
    } catch (error) {
      // Gone already: uvwasi keeps answering for it.
      errnoOfFsError(error);
    }
    return r;
  };

  const fdClose = imports.fd_close!;
  imports.fd_close = (fd: number) => {
    known.delete(u32(fd));
    open.delete(u32(fd));
    return fdClose(fd);
  };

  // fd_fdstat_get reported fs_flags as the raw fcntl(F_GETFL) bits cut to 16
  // bits (a directory showed 32768, O_LARGEFILE; O_APPEND came back as 1024,
  // not FDFLAGS_APPEND). They are translated, and for descriptors opened
  // here the flags the module asked for are kept (cut to 16 bits, O_SYNC
  // looks like O_DSYNC, and Linux's O_RSYNC is O_SYNC: the bits alone
  // cannot tell the three apart).
  const fdstatGet = imports.fd_fdstat_get!;
  imports.fd_fdstat_get = (fd: number, buf: number) => {
    const r = fdstatGet(fd, buf) as number;
    if (r !== w.ERRNO_SUCCESS) return r;
    const view = new DataView(memory().buffer);
    const raw = view.getUint16(u32(buf) + 2, true);
    const entry = known.get(u32(fd));
    const flags =
      entry !== undefined
        ? entry.fdflags
        : (raw & LINUX_O_APPEND ? w.FDFLAGS_APPEND : 0) | (raw & LINUX_O_NONBLOCK ? w.FDFLAGS_NONBLOCK : 0) | (raw & LINUX_O_DSYNC ? w.FDFLAGS_DSYNC : 0);
    view.setUint16(u32(buf) + 2, flags, true);
    return r;
  };

  const setFlags = imports.fd_fdstat_set_flags!;
  imports.fd_fdstat_set_flags = (fd: number, flags: number) => {
    const r = setFlags(fd, flags) as number;
    const entry = known.get(u32(fd));
    if (r === w.ERRNO_SUCCESS && entry !== undefined) entry.fdflags = (entry.fdflags & ~SETTABLE_FDFLAGS) | (u32(flags) & SETTABLE_FDFLAGS);
    return r;
  };

  // fd_readdir left out `.` and `..`, which POSIX readdir and wasmtime list.
  // Implemented over node:fs for the directories known here.
  const fdReaddir = imports.fd_readdir!;
  imports.fd_readdir = (fd: number, buf: number, bufLen: number, cookie: bigint, bufused: number) => {
    const entry = knownDirectory(u32(fd), w.RIGHTS_FD_READDIR);
    if (entry === null) return fdReaddir(fd, buf, bufLen, cookie, bufused);
    if (typeof entry === 'number') return entry;
    const view = new DataView(memory().buffer);
    checkRange(view, u32(bufused), 4);
    const path = stillThere(entry);
    if (path === null) return fdReaddir(fd, buf, bufLen, cookie, bufused);
    const start = u64(cookie);
    try {
      if (start === 0n || entry.listing === null) entry.listing = listDirectory(path, entry.location.parts.length === 0);
    } catch (error) {
      return errnoOfFsError(error);
    }
    const used = writeDirents(view, u32(buf), u32(bufLen), entry.listing, start, path);
    view.setUint32(u32(bufused), used, true);
    return w.ERRNO_SUCCESS;
  };

  // path_readlink answered ENOBUFS when the link's contents did not fit
  // (uvwasi keeps a byte for a NUL terminator and writes one past them): it
  // must truncate to the buffer, as readlink(2) does, and write nothing more.
  const pathReadlink = imports.path_readlink!;
  imports.path_readlink = (fd: number, path: number, pathLen: number, buf: number, bufLen: number, bufused: number) => {
    const entry = knownDirectory(u32(fd), w.RIGHTS_PATH_READLINK);
    if (entry === null) return pathReadlink(fd, path, pathLen, buf, bufLen, bufused);
    if (typeof entry === 'number') return entry;
    const view = new DataView(memory().buffer);
    checkRange(view, u32(buf), u32(bufLen));
    checkRange(view, u32(bufused), 4);
    let contents: Buffer;
    try {
      const target = resolveTarget(entry.location, readPath(u32(path), u32(pathLen)).toString('utf8'), false);
      contents = readlinkSync(target.host, 'buffer');
    } catch (error) {
      if (error instanceof WasiErrnoError) return error.errno;
      return errnoOfFsError(error);
    }
    const n = Math.min(contents.length, u32(bufLen));
    bytes().set(contents.subarray(0, n), u32(buf));
    view.setUint32(u32(bufused), n, true);
    return w.ERRNO_SUCCESS;
  };

  // fd_prestat_dir_name answered ENOBUFS for a buffer shorter than the name;
  // preview1 (and wasmtime) say ENAMETOOLONG.
  const prestatDirName = imports.fd_prestat_dir_name!;
  imports.fd_prestat_dir_name = (fd: number, path: number, pathLen: number) => {
    const r = prestatDirName(fd, path, pathLen) as number;
    return r === w.ERRNO_NOBUFS ? w.ERRNO_NAMETOOLONG : r;
  };

  // fd_filestat_set_times and path_filestat_set_times set whole seconds
  // (uvwasi hands libuv seconds; libuv keeps microseconds at best) and wrote
  // the other time back rounded when only one was to change: times are set
  // to the nanosecond, the other left alone (fs/times.ts).
  const fdSetTimes = imports.fd_filestat_set_times!;
  imports.fd_filestat_set_times = (fd: number, atim: bigint, mtim: bigint, fstflags: number) => {
    const entry = known.get(u32(fd));
    const path = entry === undefined ? null : stillThere(entry);
    if (path === null) return fdSetTimes(fd, atim, mtim, fstflags);
    const invalid = checkFstflags(u32(fstflags));
    if (invalid !== w.ERRNO_SUCCESS) return invalid;
    const stat = withRight(u32(fd), w.RIGHTS_FD_FILESTAT_SET_TIMES);
    if (typeof stat === 'number') return stat;
    return attempt(() => setTimes(path, false, u64(atim), u64(mtim), u32(fstflags)));
  };

  // uvwasi's path_filestat_set_times returned EINVAL for bad flags with the
  // descriptor still locked: the next call on it waited forever (found by
  // the fuzzer). Bad flags never reach it: the same answer, in its order
  // (the descriptor and its rights first).
  const pathSetTimes = imports.path_filestat_set_times!;
  imports.path_filestat_set_times = (fd: number, flags: number, path: number, pathLen: number, atim: bigint, mtim: bigint, fstflags: number) => {
    const invalid = checkFstflags(u32(fstflags));
    if (invalid !== w.ERRNO_SUCCESS) {
      const stat = withRight(u32(fd), w.RIGHTS_PATH_FILESTAT_SET_TIMES);
      return typeof stat === 'number' ? stat : invalid;
    }
    const entry = knownDirectory(u32(fd), w.RIGHTS_PATH_FILESTAT_SET_TIMES);
    if (entry === null) return pathSetTimes(fd, flags, path, pathLen, atim, mtim, fstflags);
    if (typeof entry === 'number') return entry;
    const follow = (u32(flags) & w.LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0;
    return attempt(() => {
      const target = resolveTarget(entry.location, readPath(u32(path), u32(pathLen)).toString('utf8'), follow);
      setTimes(target.host, follow, u64(atim), u64(mtim), u32(fstflags));
    });
  };

  // The descriptors a module left open stayed open in the host process
  // after its worker ended (node:wasi does not close uvwasi's table then):
  // every run leaked its preopens and files. They are closed when it ends.
  return {
    closeAll() {
      for (const fd of open) fdClose(fd);
      open.clear();
      known.clear();
    },
  };
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch (error) {
    errnoOfFsError(error);
    return false;
  }
}


