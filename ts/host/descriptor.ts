// A descriptor in the module's fd table: one object per open fd, of one of
// four kinds — a runtime fd (runtime-fd.ts), a listener or a connection
// (socket-fd.ts), an epoll set (epoll-fd.ts). Each kind answers the calls
// that name it (the way browser_wasi_shim's Fd subclasses do); the imports
// only find the object. The defaults here are what a call means for a
// descriptor that is none of the kinds it is made for.

import * as w from '../wasi/index.js';
import type { ControlBlock } from '../transport/control-block.js';
import type { PollSizes, SocketTransport } from '../transport/types.js';
import type { GuestMemory } from './guest-memory.js';
import type { Waiting } from './waiting.js';

/** A runtime's (node:wasi, browser_wasi_shim) import function, as it supplies it. */
export type WasiFunction = (...args: any[]) => unknown;
export type WasiFunctions = Readonly<Record<string, WasiFunction>>;

/** What every descriptor may use: the module's memory, the network, the runtime. */
export interface HostContext {
  readonly memory: GuestMemory;
  readonly transport: SocketTransport;
  readonly control: ControlBlock;
  readonly waiting: Waiting;
  /** Calls a runtime import (with runtime fd numbers); NOSYS if the runtime has none. */
  callRuntime(name: string, ...args: unknown[]): number;
  /** Whether the runtime supplies this import. */
  runtimeHas(name: string): boolean;
}

/**
 * A descriptor as poll_oneoff sees it now, for both of its events at once
 * (mio and wasi-libc's poll() subscribe a socket for reading and writing
 * together): whether each is ready, its nbytes, and HANGUP. One object,
 * reused from call to call: Descriptor.pollState() fills it in.
 */
export class PollState implements PollSizes {
  /** The transport's readiness bits (sockets only). */
  bits = 0;
  readReady = false;
  writeReady = false;
  /** nbytes of an FD_READ event and of an FD_WRITE event. */
  toRead = 0;
  toWrite = 0;
  hangup = false;
}

export abstract class Descriptor {
  fdflags = 0;
  /** A listener: once a stop is asked for, its only news is the stop (see Waiting.beginBatch). */
  readonly listens: boolean = false;

  constructor(protected readonly host: HostContext) {}

  /** fd_read: reads into the iovec array at `iovs`; the count goes to `nread`. */
  fd_read(_iovs: number, _iovsLen: number, _nread: number): number {
    return w.ERRNO_INVAL;
  }

  fd_write(_iovs: number, _iovsLen: number, _nwritten: number): number {
    return w.ERRNO_INVAL;
  }

  /** The host's own descriptors report their own stat; a runtime fd asks the runtime. */
  fd_fdstat_get(stat: number): number {
    const { filetype, rightsBase, rightsInheriting } = this.stat();
    w.writeFdstat(this.host.memory.view(), stat, { filetype, flags: this.fdflags, rightsBase, rightsInheriting });
    return w.ERRNO_SUCCESS;
  }

  /** `flags` has only FDFLAGS_ALL bits (checked by the import). Only NONBLOCK changes what the host does. */
  fd_fdstat_set_flags(flags: number): number {
    this.fdflags = flags;
    return w.ERRNO_SUCCESS;
  }

  fd_fdstat_set_rights(_base: bigint, _inheriting: bigint): number {
    return w.ERRNO_NOTSUP;
  }

  fd_filestat_get(buf: number): number {
    w.writeFilestat(this.host.memory.view(), buf, {
      dev: 0n,
      ino: 0n,
      filetype: this.stat().filetype,
      nlink: 1n,
      size: 0n,
      atim: 0n,
      mtim: 0n,
      ctim: 0n,
    });
    return w.ERRNO_SUCCESS;
  }

  fd_prestat_dir_name(_path: number, _pathLen: number): number {
    return w.ERRNO_BADF;
  }

  /** A preopened directory of the runtime: fd_prestat_get goes there. */
  get preopen(): boolean {
    return false;
  }

  /**
   * The runtime's number for this descriptor when it is a file or directory
   * of the runtime's, for the file and path calls routed there (compose.ts);
   * null for the streams those calls mean nothing on: sockets, epoll sets, stdio.
   */
  get runtimeFile(): number | null {
    return null;
  }

  /** poll_oneoff: fills `out` with what FD_READ and FD_WRITE subscriptions on this descriptor report now. */
  abstract pollState(out: PollState): void;

  /** The descriptor left the table (fd_close, fd_renumber, the module ended): release what it holds. */
  abstract release(): number;

  protected abstract stat(): { filetype: number; rightsBase: bigint; rightsInheriting: bigint };
}
