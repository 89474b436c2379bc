// A browser_wasi_shim descriptor for a file on the real file system (a
// regular file, or a device or FIFO opened by path), over a node:fs
// descriptor, synchronous.
//
// Node has no lseek(2) and no fcntl(2), so the file position and the
// fdflags live here: reads and writes are positional (pread/pwrite at the
// kept position), APPEND writes at the size the file has at that moment
// (atomic against this module, not against other processes appending to the
// same file), and DSYNC/SYNC are an fdatasync/fsync after each write, so
// all of them can be switched by fd_fdstat_set_flags.

import { closeSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, futimesSync, readSync, writeSync } from 'node:fs';
import * as w from '../../wasi/index.js';
import { attempt, errnoOfFsError } from '../fs/errors.js';
import { procFdPath } from '../fs/posix.js';
import { setTimes } from '../fs/times.js';
import { HostDescriptor } from './host-descriptor.js';
import type { Capabilities } from './rights.js';

/** One read or write moves at most this much (a short count is legal; it bounds the host memory one call takes). */
const MAX_IO = 1 << 24;

function failed<T extends object>(error: unknown, rest: T): T & { ret: number } {
  return { ret: errnoOfFsError(error), ...rest };
}

export class HostFile extends HostDescriptor {
  private position = 0n;
  private closed = false;

  constructor(
    readonly fd: number,
    override readonly filetype: number,
    caps: Capabilities,
  ) {
    super(caps);
  }

  private get seekable(): boolean {
    return this.filetype === w.FILETYPE_REGULAR_FILE || this.filetype === w.FILETYPE_BLOCK_DEVICE;
  }

  protected override stat() {
    return fstatSync(this.fd, { bigint: true });
  }

  override fd_close(): number {
    if (this.closed) return w.ERRNO_BADF;
    this.closed = true;
    return attempt(() => closeSync(this.fd));
  }

  override fd_filestat_set_size(size: bigint): number {
    const denied = this.caps.check(w.RIGHTS_FD_FILESTAT_SET_SIZE);
    if (denied) return denied;
    const n = BigInt.asUintN(64, size);
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) return w.ERRNO_FBIG;
    return attempt(() => ftruncateSync(this.fd, Number(n)));
  }

  protected override changeTimes(atim: bigint, mtim: bigint, fstflags: number): void {
    const path = procFdPath(this.fd);
    if (path !== null) setTimes(path, true, BigInt.asUintN(64, atim), BigInt.asUintN(64, mtim), fstflags);
    else {
      // Without /proc: futimes, to the microsecond, and both times (node:fs cannot leave one alone).
      const now = Date.now() / 1000;
      const current = fstatSync(this.fd, { bigint: true });
      const a = fstflags & w.FSTFLAGS_ATIM ? Number(atim) / 1e9 : fstflags & w.FSTFLAGS_ATIM_NOW ? now : Number(current.atimeNs) / 1e9;
      const m = fstflags & w.FSTFLAGS_MTIM ? Number(mtim) / 1e9 : fstflags & w.FSTFLAGS_MTIM_NOW ? now : Number(current.mtimeNs) / 1e9;
      futimesSync(this.fd, a, m);
    }
  }

  override fd_allocate(offset: bigint, len: bigint): number {
    const denied = this.caps.check(w.RIGHTS_FD_ALLOCATE);
    if (denied) return denied;
    const end = BigInt.asUintN(64, offset) + BigInt.asUintN(64, len);
    if (BigInt.asUintN(64, len) === 0n) return w.ERRNO_INVAL;
    if (end > BigInt(Number.MAX_SAFE_INTEGER)) return w.ERRNO_FBIG;
    return attempt(() => {
      // posix_fallocate's visible effect: the file is at least that long (Node has no fallocate).
      if (fstatSync(this.fd, { bigint: true }).size < end) ftruncateSync(this.fd, Number(end));
    });
  }

  protected override sync(): void {
    fsyncSync(this.fd);
  }

  override fd_read(size: number) {
    const denied = this.caps.check(w.RIGHTS_FD_READ);
    if (denied) return { ret: denied, data: new Uint8Array(0) };
    try {
      const data = this.read(size, this.seekable ? this.position : null);
      if (this.seekable) this.position += BigInt(data.length);
      return { ret: w.ERRNO_SUCCESS, data };
    } catch (error) {
      return failed(error, { data: new Uint8Array(0) });
    }
  }

  override fd_pread(size: number, offset: bigint) {
    const denied = this.caps.check(w.RIGHTS_FD_READ | w.RIGHTS_FD_SEEK);
    if (denied) return { ret: denied, data: new Uint8Array(0) };
    if (!this.seekable) return { ret: w.ERRNO_SPIPE, data: new Uint8Array(0) };
    try {
      return { ret: w.ERRNO_SUCCESS, data: this.read(size, BigInt.asUintN(64, offset)) };
    } catch (error) {
      return failed(error, { data: new Uint8Array(0) });
    }
  }

  override fd_write(data: Uint8Array) {
    const denied = this.caps.check(w.RIGHTS_FD_WRITE);
    if (denied) return { ret: denied, nwritten: 0 };
    try {
      if (!this.seekable) return { ret: w.ERRNO_SUCCESS, nwritten: this.write(data, null) };
      if (this.caps.fdflags & w.FDFLAGS_APPEND) this.position = fstatSync(this.fd, { bigint: true }).size;
      const nwritten = this.write(data, this.position);
      this.position += BigInt(nwritten);
      return { ret: w.ERRNO_SUCCESS, nwritten };
    } catch (error) {
      return failed(error, { nwritten: 0 });
    }
  }

  override fd_pwrite(data: Uint8Array, offset: bigint) {
    const denied = this.caps.check(w.RIGHTS_FD_WRITE | w.RIGHTS_FD_SEEK);
    if (denied) return { ret: denied, nwritten: 0 };
    if (!this.seekable) return { ret: w.ERRNO_SPIPE, nwritten: 0 };
    try {
      // At `offset` even with APPEND (POSIX; Linux would append): the position does not move.
      return { ret: w.ERRNO_SUCCESS, nwritten: this.write(data, BigInt.asUintN(64, offset)) };
    } catch (error) {
      return failed(error, { nwritten: 0 });
    }
  }

  override fd_seek(offset: bigint, whence: number) {
    // lseek(fd, 0, SEEK_CUR) is how wasi-libc asks for the position: FD_TELL is enough for that.
    const tellOnly = offset === 0n && whence === w.WHENCE_CUR;
    const denied = this.caps.check(tellOnly ? w.RIGHTS_FD_SEEK | w.RIGHTS_FD_TELL : w.RIGHTS_FD_SEEK, tellOnly);
    if (denied) return { ret: denied, offset: 0n };
    if (!this.seekable) return { ret: w.ERRNO_SPIPE, offset: 0n };
    let base: bigint;
    try {
      if (whence === w.WHENCE_SET) base = 0n;
      else if (whence === w.WHENCE_CUR) base = this.position;
      else if (whence === w.WHENCE_END) base = fstatSync(this.fd, { bigint: true }).size;
      else return { ret: w.ERRNO_INVAL, offset: 0n };
    } catch (error) {
      return failed(error, { offset: 0n });
    }
    const next = base + BigInt.asIntN(64, offset);
    if (next < 0n) return { ret: w.ERRNO_INVAL, offset: 0n };
    this.position = next;
    return { ret: w.ERRNO_SUCCESS, offset: next };
  }

  override fd_tell() {
    const denied = this.caps.check(w.RIGHTS_FD_TELL | w.RIGHTS_FD_SEEK, true);
    if (denied) return { ret: denied, offset: 0n };
    if (!this.seekable) return { ret: w.ERRNO_SPIPE, offset: 0n };
    return { ret: w.ERRNO_SUCCESS, offset: this.position };
  }

  override fd_readdir_single() {
    return { ret: w.ERRNO_NOTDIR, dirent: null };
  }

  override fd_prestat_get() {
    return { ret: w.ERRNO_BADF, prestat: null };
  }

  private read(size: number, position: bigint | null): Uint8Array {
    const buffer = Buffer.allocUnsafe(Math.min(size, MAX_IO));
    const n = readSync(this.fd, buffer, 0, buffer.length, position);
    return buffer.subarray(0, n);
  }

  private write(data: Uint8Array, position: bigint | null): number {
    if (position !== null && position + BigInt(data.length) > BigInt(Number.MAX_SAFE_INTEGER)) throw Object.assign(new Error('EFBIG'), { code: 'EFBIG', syscall: 'write' });
    const n = writeSync(this.fd, data, 0, Math.min(data.length, MAX_IO), position === null ? null : Number(position));
    if (this.caps.fdflags & w.FDFLAGS_SYNC) fsyncSync(this.fd);
    else if (this.caps.fdflags & w.FDFLAGS_DSYNC) fdatasyncSync(this.fd);
    return n;
  }
}
