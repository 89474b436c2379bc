// One connection's state and its rules, as the kernel keeps them for a TCP
// socket, for the transports that keep socket state themselves (node-net's
// module half, the in-memory and the virtual networks). The kernel transport
// needs none of this: the kernel applies the same rules.
//
// The rules, in one place:
// - inbound bytes are read in order; the peer's FIN reads as 0 (EOF) after them;
// - a socket error (RST) is reported once, by the next recv or send, after the
//   bytes that were buffered before it; afterwards reads see EOF and sends EPIPE;
// - a socket error ends the connection: the peer sends nothing more, so
//   PEER_CLOSED shows with FAILED (Linux sets EPOLLHUP with EPOLLERR on an
//   RST), even before the network says the connection is gone;
// - shutdown(SHUT_RD) drops what is buffered and what arrives later: reads see EOF;
// - shutdown(SHUT_WR), or the peer gone: sends fail with EPIPE;
// - a send that would fail at once does not block, so a failing socket is
//   writable (POLLOUT), as on Linux;
// - while a connect is under way only CONNECTING shows: reads and sends wait
//   (EAGAIN) and shutdown has nothing to shut (ENOTCONN); a refused connect is
//   the pending error, so it ends as any failed connection does.

import { ERRNO_AGAIN, ERRNO_NOTCONN, ERRNO_PIPE } from '../wasi/defs.js';
import { ChunkQueue } from './chunk-queue.js';
import { CONNECTING, FAILED, PEER_CLOSED, READABLE, SHUT_RD, SHUT_WR, WRITABLE, type IoList, type PollSizes } from './types.js';

/** Where a socket's inbound bytes wait: a ChunkQueue, or a ring in shared memory (the virtual network). */
export interface InboundBytes {
  readonly length: number;
  append(chunk: Uint8Array): void;
  copyOut(into: IoList, peek: boolean): number;
  clear(): void;
}

export class SocketState<Inbound extends InboundBytes = ChunkQueue> {
  /** Default: the bytes arrived() hands over, queued as they came. */
  constructor(readonly inbound: Inbound = new ChunkQueue() as unknown as Inbound) {}

  /** The peer sent FIN. */
  peerFin = false;
  /** The connection is gone (closed or reset): nothing more arrives, sends go nowhere. */
  gone = false;
  /** A socket error (WASI errno) not yet reported. */
  error = 0;
  /** An error was reported: sends fail with EPIPE. */
  broken = false;
  readShut = false;
  writeShut = false;
  /** The module's connect() is under way: set by connectStarted(), cleared by the outcome. */
  connecting = false;

  // ---- what the network did ------------------------------------------------

  /** Takes `chunk` (no copy). Returns false when it was dropped (reading was shut down). */
  arrived(chunk: Uint8Array): boolean {
    if (this.readShut) return false;
    this.inbound.append(chunk);
    return true;
  }

  failed(errno: number): void {
    if (!this.broken) this.error = errno;
    // A connect that fails ends as a connection that failed: gone, its error pending.
    if (this.connecting) {
      this.connecting = false;
      this.gone = true;
    }
  }

  /** The module's connect() answered -EINPROGRESS. */
  connectStarted(): void {
    this.connecting = true;
  }

  /** The connection is made. */
  connected(): void {
    this.connecting = false;
  }

  /**
   * getsockopt(SO_ERROR): the pending error, consumed (reads then see EOF and
   * sends EPIPE, as after recv() reported it); 0 when there is none.
   */
  takeError(): number {
    const error = this.error;
    if (error !== 0) this.reportError();
    return error;
  }

  // ---- what the module does ------------------------------------------------

  /** recv(): the bytes copied, 0 at EOF, -EAGAIN, or -errno once for a pending error. */
  recv(into: IoList, peek: boolean): number {
    if (this.connecting) return -ERRNO_AGAIN;
    if (this.readShut) return 0;
    if (this.inbound.length > 0) return this.inbound.copyOut(into, peek);
    if (this.error !== 0) {
      const error = this.error;
      if (!peek) this.reportError();
      return -error;
    }
    return this.peerFin || this.gone || this.broken ? 0 : -ERRNO_AGAIN;
  }

  /**
   * Before a send: 0 when bytes may be queued (if there is room), or -errno:
   * the pending error (reported now) or EPIPE.
   */
  sendCheck(): number {
    if (this.connecting) return -ERRNO_AGAIN;
    if (this.error !== 0) {
      const error = this.error;
      this.reportError();
      return -error;
    }
    return this.writeShut || this.gone || this.broken ? -ERRNO_PIPE : 0;
  }

  /** Before a shutdown: 0, or -ENOTCONN while a connect is under way. */
  shutdownCheck(): number {
    return this.connecting ? -ERRNO_NOTCONN : 0;
  }

  /** Applies shutdown(how) to this side; the transport tells the network. */
  shutdown(how: number): void {
    if (how & SHUT_RD && !this.readShut) {
      this.readShut = true;
      this.inbound.clear();
    }
    if (how & SHUT_WR) this.writeShut = true;
  }

  /** Readiness bits, given the room the transport has for sends now. */
  poll(room: number): number {
    if (this.connecting) return CONNECTING;
    let bits = 0;
    const ended = this.peerFin || this.gone || this.broken || this.error !== 0;
    if (this.inbound.length > 0 || ended || this.readShut) bits |= READABLE;
    if (room > 0 || this.sendFails) bits |= WRITABLE;
    if (ended) bits |= PEER_CLOSED;
    if (this.error !== 0) bits |= FAILED;
    return bits;
  }

  /**
   * pollSizes() for a connection, given the room the transport has for sends
   * now: the bits poll() gives, the bytes a recv would return, and the room a
   * send would take (none when it would fail at once or the connect is under way).
   */
  sizes(room: number, out: PollSizes): void {
    if (this.connecting) {
      out.bits = CONNECTING;
      out.toRead = out.toWrite = 0;
      return;
    }
    const toWrite = this.sendFails ? 0 : room;
    out.bits = this.poll(toWrite);
    out.toRead = this.readShut ? 0 : this.inbound.length;
    out.toWrite = toWrite;
  }

  /** A send would fail at once. */
  get sendFails(): boolean {
    return this.writeShut || this.gone || this.broken || this.error !== 0;
  }

  private reportError(): void {
    this.error = 0;
    this.broken = true;
  }
}
