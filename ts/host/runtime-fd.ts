// A descriptor the runtime (node:wasi, browser_wasi_shim) owns, under the
// runtime's own number: stdio, preopened directories, opened files. The host
// passes the calls on with that number, after checking what the runtimes do
// not all check.

import * as w from '../wasi/index.js';
import { Descriptor, type HostContext, type PollState } from './descriptor.js';

/**
 * What a runtime descriptor is. 'stdio': the module's stdin, stdout or
 * stderr, a stream (under node:wasi the host process's own fds 0-2: a module
 * must not seek, resize or write at an offset into the host's output file).
 */
export type RuntimeFdKind = 'stdio' | 'preopen' | 'file';

export class RuntimeFd extends Descriptor {
  constructor(
    host: HostContext,
    /** The runtime's own number for it (uvwasi's, the shim's). */
    readonly numberInRuntime: number,
    private readonly kind: RuntimeFdKind,
  ) {
    super(host);
  }

  override get preopen(): boolean {
    return this.kind === 'preopen';
  }

  override get runtimeFile(): number | null {
    return this.kind === 'stdio' ? null : this.numberInRuntime;
  }

  override fd_read(iovs: number, iovsLen: number, nread: number): number {
    return this.callIo('fd_read', iovs, iovsLen, nread);
  }

  override fd_write(iovs: number, iovsLen: number, nwritten: number): number {
    return this.callIo('fd_write', iovs, iovsLen, nwritten);
  }

  override fd_fdstat_get(stat: number): number {
    // uvwasi answers EINVAL for a pointer outside memory; the host's answer is EFAULT.
    w.checkRange(this.host.memory.view(), stat, w.FDSTAT_SIZE);
    return this.host.callRuntime('fd_fdstat_get', this.numberInRuntime, stat);
  }

  override fd_fdstat_set_flags(flags: number): number {
    return this.host.callRuntime('fd_fdstat_set_flags', this.numberInRuntime, flags);
  }

  override fd_fdstat_set_rights(base: bigint, inheriting: bigint): number {
    return this.host.callRuntime('fd_fdstat_set_rights', this.numberInRuntime, base, inheriting);
  }

  override fd_filestat_get(buf: number): number {
    return this.host.callRuntime('fd_filestat_get', this.numberInRuntime, buf);
  }

  override fd_prestat_dir_name(path: number, pathLen: number): number {
    // The whole buffer, not just the name's part of it: browser_wasi_shim
    // answered success when the name fitted before the end of memory, uvwasi EOVERFLOW.
    w.checkRange(this.host.memory.view(), path, pathLen);
    return this.host.callRuntime('fd_prestat_dir_name', this.numberInRuntime, path, pathLen);
  }

  fd_prestat_get(buf: number): number {
    return this.host.callRuntime('fd_prestat_get', this.numberInRuntime, buf);
  }

  // A runtime fd (a file, a directory, stdio, even stdin) counts as always
  // ready: the runtimes have no readiness to ask (a regular file is always
  // ready on POSIX too), and a read on stdin then blocks in the runtime as it
  // would have without poll.
  /** Always ready (the runtimes have no readiness to ask), with nothing counted. */
  pollState(out: PollState): void {
    out.readReady = out.writeReady = true;
    out.toRead = out.toWrite = 0;
    out.hangup = false;
  }

  release(): number {
    // The number is free whatever the runtime answers, as with close(2).
    return this.host.callRuntime('fd_close', this.numberInRuntime);
  }

  protected stat(): never {
    throw new Error('a runtime fd reports its own stat');
  }

  /**
   * fd_read/fd_write, with the arguments checked first: the runtimes do not
   * all check. browser_wasi_shim clamps a length that runs past memory and
   * writes what is there (64 KiB of the module's memory to stdout, answering
   * success), and writes before it finds the result pointer out of bounds;
   * uvwasi answers EOVERFLOW or EINVAL, not EFAULT.
   */
  private callIo(name: 'fd_read' | 'fd_write', iovs: number, iovsLen: number, resultPtr: number): number {
    if (!this.host.runtimeHas(name)) return w.ERRNO_NOSYS;
    const view = this.host.memory.view();
    w.readIovecs(view, iovs, iovsLen);
    w.checkRange(view, resultPtr, 4);
    return this.host.callRuntime(name, this.numberInRuntime, iovs, iovsLen, resultPtr);
  }
}
