// The browser_wasi_shim imports that cannot work for host-backed descriptors
// however the descriptor behaves, replaced; each names what it corrects.
// The others dispatch to the descriptor objects (host-descriptor.ts and its
// kinds, host-file.ts and host-directory.ts) and are kept.

import type { Fd } from '@bjorn3/browser_wasi_shim';
import type { WasiFunction } from '../../host/index.js';
import * as w from '../../wasi/index.js';
import { checkRange, u32 } from '../../wasi/index.js';
import { errnoOfFsError } from '../fs/errors.js';
import { listDirectory, writeDirents } from '../fs/readdir.js';
import { HostDescriptor } from './host-descriptor.js';
import { HostDirectory } from './host-directory.js';

const decoder = new TextDecoder('utf-8');

/**
 * Replaces the imports below in `imports` (the shim's wasiImport). `fds` is
 * the shim's descriptor table (indexed by the shim's numbers, which the
 * socket host routes to), `memory` the module's memory.
 */
export function fixShimImports(imports: Record<string, WasiFunction>, fds: readonly (Fd | undefined)[], memory: () => WebAssembly.Memory): void {
  const original = { ...imports };
  const view = () => new DataView(memory().buffer);
  const text = (ptr: number, len: number): string => {
    checkRange(view(), ptr, len);
    return decoder.decode(new Uint8Array(memory().buffer, ptr, len));
  };
  /** The directory at `fd`, or the errno: EBADF for no descriptor, ENOTDIR for another kind. */
  const directory = (fd: number): HostDirectory | number => {
    const entry = fds[u32(fd)];
    if (entry === undefined) return w.ERRNO_BADF;
    return entry instanceof HostDirectory ? entry : w.ERRNO_NOTDIR;
  };

  // fd_filestat_get and path_filestat_get: the shim's Filestat writes atim,
  // mtim and ctim at offsets 38, 46 and 52 instead of 40, 48 and 56 (a
  // module read garbage times, and the 8 bytes after the struct were
  // overwritten). Written with the project's codec.
  imports.fd_filestat_get = (fd: number, buf: number) => {
    const entry = fds[u32(fd)];
    if (entry === undefined) return w.ERRNO_BADF;
    const stat = entry instanceof HostDescriptor ? entry.filestat() : shimFilestat(entry.fd_filestat_get());
    if (typeof stat === 'number') return stat;
    w.writeFilestat(view(), u32(buf), stat);
    return w.ERRNO_SUCCESS;
  };

  imports.path_filestat_get = (fd: number, flags: number, path: number, pathLen: number, buf: number) => {
    const entry = fds[u32(fd)];
    if (entry === undefined) return w.ERRNO_BADF;
    checkRange(view(), u32(buf), w.FILESTAT_SIZE);
    const name = text(u32(path), u32(pathLen));
    const stat = entry instanceof HostDirectory ? entry.pathFilestat(u32(flags), name) : shimFilestat(entry.path_filestat_get(u32(flags), name));
    if (typeof stat === 'number') return stat;
    w.writeFilestat(view(), u32(buf), stat);
    return w.ERRNO_SUCCESS;
  };

  // fd_readdir: the shim asks a descriptor for one entry per cookie; a real
  // directory is listed once per pass (fs/readdir.ts), `.` and `..` first.
  imports.fd_readdir = (fd: number, buf: number, bufLen: number, cookie: bigint, bufused: number) => {
    const dir = fds[u32(fd)];
    if (!(dir instanceof HostDirectory)) return original.fd_readdir!(fd, buf, bufLen, cookie, bufused);
    const denied = dir.caps.check(w.RIGHTS_FD_READDIR);
    if (denied) return denied;
    checkRange(view(), u32(bufused), 4);
    const start = BigInt.asUintN(64, BigInt(cookie));
    try {
      if (start === 0n || dir.listing === null) dir.listing = listDirectory(dir.path, dir.location.parts.length === 0);
    } catch (error) {
      return errnoOfFsError(error);
    }
    const used = writeDirents(view(), u32(buf), u32(bufLen), dir.listing, start, dir.path);
    view().setUint32(u32(bufused), used, true);
    return w.ERRNO_SUCCESS;
  };

  // path_readlink: the shim answered EBADF when the contents did not fit;
  // readlink(2) truncates them to the buffer.
  imports.path_readlink = (fd: number, path: number, pathLen: number, buf: number, bufLen: number, bufused: number) => {
    const dir = directory(fd);
    if (typeof dir === 'number') return dir;
    checkRange(view(), u32(buf), u32(bufLen));
    checkRange(view(), u32(bufused), 4);
    const contents = dir.readlink(text(u32(path), u32(pathLen)));
    if (typeof contents === 'number') return contents;
    const n = Math.min(contents.length, u32(bufLen));
    new Uint8Array(memory().buffer).set(contents.subarray(0, n), u32(buf));
    view().setUint32(u32(bufused), n, true);
    return w.ERRNO_SUCCESS;
  };

  // path_symlink: the shim answers ENOTSUP whatever the descriptor.
  imports.path_symlink = (oldPath: number, oldLen: number, fd: number, newPath: number, newLen: number) => {
    const dir = directory(fd);
    if (typeof dir === 'number') return dir;
    return dir.symlink(text(u32(oldPath), u32(oldLen)), text(u32(newPath), u32(newLen)));
  };

  // path_link: the shim links an in-memory inode without asking whether
  // the new name exists (it replaced an existing file).
  imports.path_link = (oldFd: number, flags: number, oldPath: number, oldLen: number, newFd: number, newPath: number, newLen: number) => {
    const from = directory(oldFd);
    if (typeof from === 'number') return from;
    const to = directory(newFd);
    if (typeof to === 'number') return to;
    return from.link(u32(flags), text(u32(oldPath), u32(oldLen)), to, text(u32(newPath), u32(newLen)));
  };

  // path_rename: the shim unlinks and relinks an in-memory inode (not one
  // rename(2): a trailing slash was ENOENT, and a failure half-way lost the file).
  imports.path_rename = (oldFd: number, oldPath: number, oldLen: number, newFd: number, newPath: number, newLen: number) => {
    const from = directory(oldFd);
    if (typeof from === 'number') return from;
    const to = directory(newFd);
    if (typeof to === 'number') return to;
    return from.rename(text(u32(oldPath), u32(oldLen)), to, text(u32(newPath), u32(newLen)));
  };
}

/** A filestat from one of the shim's own descriptors (stdio), or its errno. */
function shimFilestat(result: { ret: number; filestat: { dev: bigint; ino: bigint; filetype: number; nlink: bigint; size: bigint; atim: bigint; mtim: bigint; ctim: bigint } | null }): w.Filestat | number {
  if (result.filestat === null) return result.ret === w.ERRNO_SUCCESS ? w.ERRNO_IO : result.ret;
  const { dev, ino, filetype, nlink, size, atim, mtim, ctim } = result.filestat;
  return { dev, ino, filetype, nlink, size, atim, mtim, ctim };
}
