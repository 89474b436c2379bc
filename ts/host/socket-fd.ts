// Listeners and connections: what recv, send, accept and shutdown mean on a
// socket, on top of the transport's nonblocking calls. Blocking sockets sleep
// in the host's Waiting until the transport reports a change.

import * as w from '../wasi/index.js';
import { FAILED, PEER_CLOSED, READABLE, WRITABLE, type Handle, type IoList } from '../transport/types.js';
import { ioLength } from '../transport/io-list.js';
import { Descriptor, type HostContext, type PollState } from './descriptor.js';
import type { EpollTarget, Interest } from './epoll.js';
import { advanceIo } from './guest-memory.js';

export const CONNECTION_RIGHTS =
  w.RIGHTS_FD_READ |
  w.RIGHTS_FD_WRITE |
  w.RIGHTS_POLL_FD_READWRITE |
  w.RIGHTS_SOCK_SHUTDOWN |
  w.RIGHTS_FD_FDSTAT_SET_FLAGS |
  w.RIGHTS_FD_FILESTAT_GET;
const LISTENER_RIGHTS = w.RIGHTS_SOCK_ACCEPT | w.RIGHTS_POLL_FD_READWRITE | w.RIGHTS_FD_FDSTAT_SET_FLAGS | w.RIGHTS_FD_FILESTAT_GET;

/** What errnoOrSleep answers when the call slept and should look again (ERRNO_SUCCESS). */
const LOOK_AGAIN = 0;

/** What a listener needs from the host beyond the context: a place for the connections it accepts. */
export interface ConnectionTable {
  /** The fd for a new connection, or -1 when the table is full. */
  allocate(conn: ConnectionFd): number;
  readonly full: boolean;
}

export abstract class SocketFd extends Descriptor implements EpollTarget {
  /** Registrations in epoll sets (one per set), dropped with the socket. */
  readonly interests: Interest[] = [];
  #rightsBase = 0n;
  #rightsInheriting = 0n;
  /** RIGHTS_FD_READ and RIGHTS_FD_WRITE of the base rights, kept as booleans: recv and send check them on every call, and BigInt arithmetic allocates. */
  protected mayRead = false;
  protected mayWrite = false;

  constructor(
    host: HostContext,
    readonly handle: Handle,
    fdflags: number,
    rightsBase: bigint,
    rightsInheriting: bigint,
  ) {
    super(host);
    this.fdflags = fdflags;
    this.setRights(rightsBase, rightsInheriting);
  }

  get rightsBase(): bigint {
    return this.#rightsBase;
  }

  get rightsInheriting(): bigint {
    return this.#rightsInheriting;
  }

  /** The one place the rights change, so that mayRead and mayWrite follow them. */
  private setRights(base: bigint, inheriting: bigint): void {
    this.#rightsBase = base;
    this.#rightsInheriting = inheriting;
    this.mayRead = (base & w.RIGHTS_FD_READ) !== 0n;
    this.mayWrite = (base & w.RIGHTS_FD_WRITE) !== 0n;
  }

  get nonblocking(): boolean {
    return (this.fdflags & w.FDFLAGS_NONBLOCK) !== 0;
  }

  override fd_fdstat_set_rights(base: bigint, inheriting: bigint): number {
    const b = BigInt.asUintN(64, BigInt(base));
    const i = BigInt.asUintN(64, BigInt(inheriting));
    // Rights can only be dropped.
    if ((b & ~this.rightsBase) !== 0n || (i & ~this.rightsInheriting) !== 0n) return w.ERRNO_NOTCAPABLE;
    this.setRights(b, i);
    return w.ERRNO_SUCCESS;
  }

  /** The transport's readiness bits, as the module should see them now. */
  abstract readiness(): number;

  // The socket calls, their arguments checked by the imports (preview1-imports.ts).
  abstract sock_accept(flags: number, roFd: number): number;
  abstract sock_recv(riData: number, riDataLen: number, riFlags: number, roDataLen: number, roFlags: number): number;
  abstract sock_send(siData: number, siDataLen: number, soDataLen: number): number;
  abstract sock_shutdown(how: number): number;

  /**
   * POLLHUP / EPOLLHUP: the connection is gone both ways (RST, or the peer's FIN
   * after our own shutdown of writing; a listener being stopped). The peer's FIN
   * alone is not a hangup, as on Linux (it is EPOLLRDHUP, and EOF on read): it
   * matters because wasi-libc's poll() drops POLLOUT when it sees HANGUP, and a
   * server must still flush its output after a half-close.
   */
  protected abstract fullHangup(bits: number): boolean;

  epollEvents(): number {
    const bits = this.readiness();
    let events = 0;
    // EOF and errors are readable: read() returns at once.
    if (bits & (READABLE | PEER_CLOSED | FAILED)) events |= w.EPOLLIN;
    if (bits & WRITABLE) events |= w.EPOLLOUT;
    if (bits & PEER_CLOSED) events |= w.EPOLLRDHUP;
    if (bits & FAILED) events |= w.EPOLLERR;
    if (this.fullHangup(bits)) events |= w.EPOLLHUP;
    return events;
  }

  /** The socket's readiness may have changed: every epoll set watching it looks again. */
  notifyEpollSets(): void {
    const { interests } = this;
    for (let i = 0; i < interests.length; i++) interests[i]!.epoll.notify(interests[i]!);
  }

  // A pending socket error (RST) makes the socket ready with HANGUP, as POSIX
  // poll/select do; recv/send then return the error itself. The event's error
  // field is for failures of the subscription (a bad fd): wasi-libc's select()
  // drops such events, so a reset peer would never be seen and the loop spin.
  // One transport call answers both events: a read of its readiness, no system call.
  pollState(out: PollState): void {
    this.host.transport.pollSizes(this.handle, out);
    const bits = (out.bits = this.adjusted(out.bits));
    const failed = (bits & FAILED) !== 0;
    out.hangup = failed || this.fullHangup(bits);
    if (failed) {
      out.readReady = out.writeReady = true;
      out.toRead = out.toWrite = 0;
      return;
    }
    out.readReady = (bits & (READABLE | PEER_CLOSED)) !== 0;
    // A hung-up socket is writable (a send fails at once), with nothing to take.
    out.writeReady = (bits & WRITABLE) !== 0 || out.hangup;
    if (!(bits & WRITABLE)) out.toWrite = 0;
  }

  /** The transport's readiness bits as the module should see them (a stopped listener has hung up). */
  protected adjusted(bits: number): number {
    return bits;
  }

  release(): number {
    // As on Linux when the last reference goes: out of every epoll set.
    for (const interest of this.interests.slice()) interest.epoll.remove(interest);
    this.host.transport.close(this.handle);
    return w.ERRNO_SUCCESS;
  }

  protected stat() {
    return { filetype: w.FILETYPE_SOCKET_STREAM, rightsBase: this.rightsBase, rightsInheriting: this.rightsInheriting };
  }

  /**
   * After a transport result `r` < 0: its errno (EAGAIN as is on a
   * nonblocking socket); on a blocking socket that would block, sleeps and
   * answers LOOK_AGAIN.
   */
  protected errnoOrSleep(r: number): number {
    if (r !== -w.ERRNO_AGAIN) return -r;
    if (this.nonblocking) return w.ERRNO_AGAIN;
    this.host.waiting.sleep(-1);
    return LOOK_AGAIN;
  }
}

/**
 * A socket that is no connection — a listener, or one the module opened that
 * neither listens nor connects yet: reads, writes and shutdowns answer
 * ENOTCONN, as Linux answers them.
 */
export abstract class UnconnectedFd extends SocketFd {
  override fd_read(): number {
    return w.ERRNO_NOTCONN;
  }

  override fd_write(): number {
    return w.ERRNO_NOTCONN;
  }

  sock_recv(): number {
    return w.ERRNO_NOTCONN;
  }

  sock_send(): number {
    return w.ERRNO_NOTCONN;
  }

  sock_shutdown(): number {
    return w.ERRNO_NOTCONN;
  }
}

export class ListenerFd extends UnconnectedFd {
  override readonly listens = true;

  /** `blocking`: accept sleeps until a connection comes; otherwise the listener starts NONBLOCK (as wasmtime hands it over). */
  constructor(
    host: HostContext,
    handle: Handle,
    private readonly connections: ConnectionTable,
    blocking: boolean,
  ) {
    super(host, handle, blocking ? 0 : w.FDFLAGS_NONBLOCK, LISTENER_RIGHTS, CONNECTION_RIGHTS);
  }

  sock_accept(flags: number, roFd: number): number {
    if (!(this.rightsBase & w.RIGHTS_SOCK_ACCEPT)) return w.ERRNO_NOTCAPABLE;
    w.checkRange(this.host.memory.view(), roFd, 4);
    const { transport, waiting } = this.host;
    for (;;) {
      // A stopped listener has hung up.
      if (waiting.stopping) return waiting.refuse();
      // EMFILE before taking the connection, so that it stays pending (as accept(2)).
      if (this.connections.full) return w.ERRNO_MFILE;
      const handle = transport.accept(this.handle);
      if (handle >= 0) {
        const fd = this.connections.allocate(new ConnectionFd(this.host, handle, flags));
        w.writeU32(this.host.memory.view(), roFd, fd);
        this.host.control.countAccepted();
        return w.ERRNO_SUCCESS;
      }
      const again = this.errnoOrSleep(handle);
      if (again !== LOOK_AGAIN) return again;
    }
  }

  readiness(): number {
    return this.adjusted(this.host.transport.poll(this.handle));
  }

  // Stopped: hung up and readable (accept answers), whatever the transport says.
  protected override adjusted(bits: number): number {
    return this.host.waiting.stopping ? READABLE | PEER_CLOSED : bits;
  }

  protected fullHangup(bits: number): boolean {
    return (bits & PEER_CLOSED) !== 0;
  }
}

export class ConnectionFd extends SocketFd {
  /** The module shut down its sending side: with the peer's FIN, the connection is fully hung up. */
  private writeShut = false;

  constructor(host: HostContext, handle: Handle, fdflags: number) {
    super(host, handle, fdflags, CONNECTION_RIGHTS, 0n);
  }

  /** read(2) on a socket is recv(2) without flags. */
  override fd_read(iovs: number, iovsLen: number, nread: number): number {
    return this.recvInto(iovs, iovsLen, 0, nread, null);
  }

  /** write(2) on a socket is send(2) without flags. */
  override fd_write(iovs: number, iovsLen: number, nwritten: number): number {
    return this.sock_send(iovs, iovsLen, nwritten);
  }

  sock_accept(): number {
    return w.ERRNO_INVAL;
  }

  sock_recv(riData: number, riDataLen: number, riFlags: number, roDataLen: number, roFlags: number): number {
    return this.recvInto(riData, riDataLen, riFlags, roDataLen, roFlags);
  }

  sock_send(siData: number, siDataLen: number, soDataLen: number): number {
    if (!this.mayWrite) return w.ERRNO_NOTCAPABLE;
    // Memory cannot grow during an import (only the module's own code grows
    // it), so one view serves a whole call.
    const { memory } = this.host;
    memory.check(soDataLen, 4);
    const n = this.transmit(memory.ioList(siData, siDataLen));
    if (n < 0) return -n;
    memory.view().setUint32(soDataLen, n, true);
    return w.ERRNO_SUCCESS;
  }

  sock_shutdown(how: number): number {
    if (!(this.rightsBase & w.RIGHTS_SOCK_SHUTDOWN)) return w.ERRNO_NOTCAPABLE;
    // SDFLAGS_RD/WR are the transport's SHUT_RD/SHUT_WR bit for bit.
    const r = this.host.transport.shutdown(this.handle, how);
    if (r < 0) return -r;
    if (how & w.SDFLAGS_WR) {
      this.writeShut = true;
      // With the peer's FIN already in, the connection is now fully hung up (EPOLLHUP).
      this.notifyEpollSets();
    }
    return w.ERRNO_SUCCESS;
  }

  readiness(): number {
    return this.host.transport.poll(this.handle);
  }

  override release(): number {
    super.release();
    this.host.control.countClosed();
    return w.ERRNO_SUCCESS;
  }

  /** recv into the module's iovecs; the out-parameters are checked before any byte is taken. */
  private recvInto(iovs: number, iovsLen: number, riFlags: number, countOut: number, roFlagsOut: number | null): number {
    if (!this.mayRead) return w.ERRNO_NOTCAPABLE;
    const { memory } = this.host;
    memory.check(countOut, 4);
    if (roFlagsOut !== null) memory.check(roFlagsOut, 2);
    const io = memory.ioList(iovs, iovsLen);
    const n = this.receive(io, (riFlags & w.RIFLAGS_RECV_PEEK) !== 0, (riFlags & w.RIFLAGS_RECV_WAITALL) !== 0);
    if (n < 0) return -n;
    const view = memory.view();
    view.setUint32(countOut, n, true);
    // Stream sockets never truncate a message.
    if (roFlagsOut !== null) view.setUint16(roFlagsOut, 0, true);
    return w.ERRNO_SUCCESS;
  }

  protected fullHangup(bits: number): boolean {
    return (bits & PEER_CLOSED) !== 0 && ((bits & FAILED) !== 0 || this.writeShut);
  }

  /** recv semantics: a byte count, 0 at EOF, or -errno. */
  private receive(io: IoList, peek: boolean, waitAll: boolean): number {
    const { transport, waiting, control } = this.host;
    const blocking = !this.nonblocking;
    if (!blocking && !peek) {
      // The common case, one transport call: a nonblocking recv never waits and WAITALL asks nothing of it.
      if (io.count === 0) return 0;
      const n = transport.recv(this.handle, io, false);
      if (n > 0) control.countIn(n);
      return n;
    }
    const total = ioLength(io);
    if (total === 0) return 0;
    let got = 0;
    for (;;) {
      if (peek && waitAll && blocking) {
        // MSG_PEEK|MSG_WAITALL: wait until the whole request is buffered (or it never will be).
        const bits = transport.poll(this.handle);
        if (transport.readable(this.handle) < total && !(bits & (PEER_CLOSED | FAILED))) {
          waiting.sleep(-1);
          continue;
        }
      }
      const n = transport.recv(this.handle, io, peek);
      if (n > 0) {
        if (!peek) control.countIn(n);
        got += n;
        if (peek || !waitAll || !blocking || got >= total) return got;
        advanceIo(io, n);
        continue;
      }
      if (n === 0) return got;
      // Part of a WAITALL request is in: only "nothing more yet" keeps it waiting.
      if (got > 0 && n !== -w.ERRNO_AGAIN) return got;
      const again = this.errnoOrSleep(n);
      if (again !== LOOK_AGAIN) return got > 0 ? got : -again;
    }
  }

  /** send semantics: a blocking socket queues everything (or fails); a nonblocking one what fits. */
  private transmit(io: IoList): number {
    const { transport, control } = this.host;
    if (this.nonblocking) {
      // The common case, one transport call: a nonblocking send takes what fits.
      if (io.count === 0) return 0;
      const n = transport.send(this.handle, io);
      if (n > 0) control.countOut(n);
      return n === 0 ? -w.ERRNO_AGAIN : n;
    }
    const total = ioLength(io);
    if (total === 0) return 0;
    let sent = 0;
    for (;;) {
      const n = transport.send(this.handle, io);
      if (n > 0) {
        control.countOut(n);
        sent += n;
        if (sent >= total || this.nonblocking) return sent;
        advanceIo(io, n);
        continue;
      }
      // A transport that accepted nothing without saying EAGAIN is treated as full.
      const r = n === 0 ? -w.ERRNO_AGAIN : n;
      if (sent > 0 && (r !== -w.ERRNO_AGAIN || this.nonblocking)) return sent;
      const again = this.errnoOrSleep(r);
      if (again !== LOOK_AGAIN) return sent > 0 ? sent : -again;
    }
  }
}
