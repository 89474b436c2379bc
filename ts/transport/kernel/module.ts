// The module half of the kernel transport: the module's thread talks to the
// kernel itself, through the addon, with the module's memory as the buffer.
// Handles are the sockets' fds.
//
// Readiness is cached per fd from epoll, so poll() is a lookup and wait() one
// epoll_wait. The sockets are registered edge-triggered: the kernel reports
// each change once, and the cache drops a bit only when the kernel said so —
// EAGAIN, or a short read or write (the queue was emptied or the buffer
// filled; the next arrival or the next free space is a new edge). EOF and
// errors are never dropped that way: once seen they stay until consumed.
// While a bit is down, the call it stands for answers EAGAIN without a
// syscall: the edge that raises it again comes with the next wait().

import { ERRNO_AGAIN, ERRNO_BADF, ERRNO_INPROGRESS, ERRNO_INVAL, ERRNO_NOTCONN } from '../../wasi/defs.js';
import { formatIp, type SocketAddress } from '../address.js';
import type { ControlBlock } from '../control-block.js';
import {
  CONNECTING,
  FAILED,
  PEER_CLOSED,
  READABLE,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  WRITABLE,
  type Handle,
  type IoList,
  type ModuleHalfInit,
  type PollSizes,
  type SocketOption,
  type SocketTransport,
} from '../types.js';
import { ioLength } from '../io-list.js';
import { bindIfNeeded, loadKernelAddon, type KernelAddon } from './addon.js';
import { LINUX_EAGAIN, LINUX_EINPROGRESS, LINUX_EINTR, wasiErrnoOf } from './linux-errno.js';
import { OpenFdTable, type KernelModuleInit } from './wire.js';

const NONE = 0;
const LISTENER = 1;
const CONNECTION = 2;
/** A socket the module opened (open()) that neither listens nor connects yet. */
const OPENED = 3;

/** The module shut down reading: recv answers EOF even with bytes queued (shutdown(2)'s promise). */
const READ_SHUT = 1;
/** A send would fail at once (SHUT_WR, or the connection failed): nothing to offer poll_oneoff's nbytes. */
const SEND_FAILS = 2;

/** Events one wait() takes at most; more wait for the next call (the ready list keeps them). */
const EVENTS_PER_WAIT = 512;

export class KernelTransport implements SocketTransport {
  readonly listeners: readonly Handle[];
  onChange: ((handle: Handle) => void) | null = null;

  private readonly addon: KernelAddon;
  private readonly epfd: number;
  private readonly wakeFd: number;
  private readonly openFds: OpenFdTable;
  private readonly control: ControlBlock;
  private readonly events = new Int32Array(2 * EVENTS_PER_WAIT);
  /** Readiness bits by fd. */
  private ready = new Uint8Array(1024);
  /** NONE / LISTENER / CONNECTION by fd. */
  private kinds = new Uint8Array(1024);
  /** READ_SHUT / SEND_FAILS by fd: what the kernel will not tell epoll about. */
  private local = new Uint8Array(1024);
  private readonly ep: { IN: number; OUT: number; RDHUP: number; HUP: number; ERR: number; ET: number; ADD: number };
  /** SocketOption → the addon's OPT_* number. */
  private readonly options: Readonly<Record<SocketOption, number>>;
  /** Where address() writes an address's octets. */
  private readonly octets = new Uint8Array(16);
  private ended = false;
  /** A connection's send buffer as the kernel first gives it (SO_SNDBUF, read at the first accept or dial). */
  private sendBuffer = 0;

  constructor(init: KernelModuleInit, control: ControlBlock) {
    const loaded = loadKernelAddon();
    if (!('addon' in loaded)) throw new Error(`the kernel transport is unavailable in the module's thread: ${loaded.unavailable}`);
    this.addon = loaded.addon;
    const c = this.addon.constants;
    this.ep = { IN: c.EPOLLIN, OUT: c.EPOLLOUT, RDHUP: c.EPOLLRDHUP, HUP: c.EPOLLHUP, ERR: c.EPOLLERR, ET: c.EPOLLET, ADD: c.EPOLL_CTL_ADD };
    this.options = {
      'reuse-addr': c.OPT_REUSEADDR,
      'no-delay': c.OPT_NODELAY,
      'keep-alive': c.OPT_KEEPALIVE,
      'recv-buffer': c.OPT_RCVBUF,
      'send-buffer': c.OPT_SNDBUF,
    };
    this.control = control;
    this.wakeFd = init.wakeFd;
    this.openFds = new OpenFdTable(init.openFds);
    this.listeners = [...init.listeners];
    const epfd = this.addon.epollCreate();
    if (epfd < 0) throw new Error(`epoll_create failed: ${wasiErrnoOf(-epfd)}`);
    this.epfd = epfd;
    // Level-triggered: once the owner asks for the end it is never drained, so
    // no wait sleeps again before the thread is terminated. (A stop alone is
    // drained: a stopping module may still sleep, in its grace, without spinning.)
    this.mustSucceed(this.addon.epollCtl(epfd, this.ep.ADD, this.wakeFd, this.ep.IN), 'register the wake-up eventfd');
    for (const fd of this.listeners) {
      this.track(fd, LISTENER);
      // Registering queues an event at once if connections are already waiting.
      this.mustSucceed(this.addon.epollCtl(epfd, this.ep.ADD, fd, this.ep.IN | this.ep.ET), `watch listener fd ${fd}`);
    }
  }

  accept(listener: Handle): Handle | number {
    if (this.kinds[listener] !== LISTENER) return this.kinds[listener] === CONNECTION ? -ERRNO_INVAL : -ERRNO_BADF;
    if (!(this.ready[listener]! & READABLE)) return -ERRNO_AGAIN;
    const fd = this.addon.accept(listener, this.epfd);
    if (fd >= 0) {
      this.track(fd, CONNECTION);
      this.learnSendBuffer(fd);
      // A new connection can be written to; what it has to read, epoll reports
      // (registering it queued an event if bytes are already there).
      this.ready[fd] = WRITABLE;
      return fd;
    }
    if (fd === -LINUX_EAGAIN) this.ready[listener] &= ~READABLE;
    // Out of fds (EMFILE) the connection stays in the backlog, as with accept(2):
    // the module is told, and it gets in once fds are free.
    return -wasiErrnoOf(-fd);
  }

  recv(conn: Handle, into: IoList, peek: boolean): number {
    if (this.kinds[conn] !== CONNECTION) return this.notConnection(conn);
    if (this.local[conn]! & READ_SHUT) return 0;
    if (!(this.ready[conn]! & READABLE)) return -ERRNO_AGAIN;
    bindIfNeeded(this.addon, into.mem, into.iov);
    const n = this.addon.recv(conn, into.count, peek);
    if (n > 0) {
      // A short read emptied the queue (unless EOF or an error is already known: those stay readable).
      if (!peek && !(this.ready[conn] & (PEER_CLOSED | FAILED)) && n < ioLength(into)) this.ready[conn] &= ~READABLE;
      return n;
    }
    if (n === 0) return 0;
    if (n === -LINUX_EAGAIN) {
      this.ready[conn] &= ~READABLE;
      return -ERRNO_AGAIN;
    }
    // The error is consumed (as SO_ERROR is); the connection is over.
    if (!peek) this.failed(conn);
    return -wasiErrnoOf(-n);
  }

  send(conn: Handle, from: IoList): number {
    if (this.kinds[conn] !== CONNECTION) return this.notConnection(conn);
    if (!(this.ready[conn]! & WRITABLE)) return -ERRNO_AGAIN;
    bindIfNeeded(this.addon, from.mem, from.iov);
    const n = this.addon.send(conn, from.count);
    if (n > 0) {
      // A short write filled the socket buffer: the next free space is a new edge.
      if (n < ioLength(from)) this.ready[conn] &= ~WRITABLE;
      return n;
    }
    if (n === -LINUX_EAGAIN) {
      this.ready[conn] &= ~WRITABLE;
      return -ERRNO_AGAIN;
    }
    if (n < 0) this.failed(conn);
    return n < 0 ? -wasiErrnoOf(-n) : n;
  }

  shutdown(conn: Handle, how: number): number {
    if (this.kinds[conn] !== CONNECTION) return this.notConnection(conn);
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) return -ERRNO_INVAL;
    // Linux would abort the handshake; the contract says there is nothing to shut yet.
    if (this.ready[conn]! & CONNECTING) return -ERRNO_NOTCONN;
    const c = this.addon.constants;
    const r = this.addon.shutdown(conn, how === SHUT_RD ? c.SHUT_RD : how === SHUT_WR ? c.SHUT_WR : c.SHUT_RDWR);
    if (r < 0) return -wasiErrnoOf(-r);
    if (how & SHUT_RD) {
      // Linux would still hand out what was buffered; shutdown(2) promises EOF.
      this.local[conn] |= READ_SHUT;
      this.ready[conn] |= READABLE;
    }
    if (how & SHUT_WR) {
      // A send now fails at once: writable, as POLLOUT after SHUT_WR.
      this.local[conn] |= SEND_FAILS;
      this.ready[conn] |= WRITABLE;
    }
    return 0;
  }

  close(handle: Handle): void {
    if (this.kinds[handle] === NONE) return;
    this.untrack(handle);
    // close(2) does the rest: pending output is flushed by the kernel, unread
    // input makes it an RST, and a listener's waiting connections are reset.
    this.addon.close(handle);
  }

  poll(handle: Handle): number {
    return this.ready[handle] ?? 0;
  }

  readable(handle: Handle): number {
    if (this.kinds[handle] === LISTENER) return this.ready[handle]! & READABLE ? 1 : 0;
    if (this.kinds[handle] !== CONNECTION || this.local[handle]! & READ_SHUT) return 0;
    return Math.max(0, this.addon.inbound(handle));
  }

  /** From the cache alone: the bytes wait in the kernel, and counting them is a syscall per socket (README). */
  pollSizes(handle: Handle, out: PollSizes): void {
    const bits = this.ready[handle] ?? 0;
    out.bits = bits;
    const kind = this.kinds[handle];
    const local = this.local[handle]!;
    // Bytes or the end are there (a listener: a connection): at least one. A failed connection reads only its error.
    out.toRead = bits & READABLE && !(bits & FAILED) && !(local & READ_SHUT) ? 1 : 0;
    out.toWrite = kind === CONNECTION && bits & WRITABLE && !(bits & FAILED) && !(local & SEND_FAILS) ? this.sendBuffer : 0;
  }

  wait(timeoutMs: number): void {
    const n = this.addon.epollWait(this.epfd, this.events, timeoutMs < 0 ? -1 : Math.ceil(timeoutMs));
    if (n === -LINUX_EINTR) return; // the host looks again and, if it must, waits again
    if (n < 0) throw new Error(`epoll_wait failed: errno ${-n}`);
    const { IN, OUT, RDHUP, HUP, ERR } = this.ep;
    for (let i = 0; i < n; i++) {
      const fd = this.events[2 * i]!;
      const ev = this.events[2 * i + 1]!;
      if (fd === this.wakeFd) {
        if (!this.control.endRequested) this.addon.drain(this.wakeFd);
        continue;
      }
      if (this.kinds[fd] === NONE) continue;
      // The first event of a connecting socket is its outcome: EPOLLOUT, or EPOLLERR with the error.
      let bits = this.ready[fd]! & ~CONNECTING;
      if (ev & IN) bits |= READABLE;
      if (ev & OUT) bits |= WRITABLE;
      if (ev & (RDHUP | HUP)) bits |= READABLE | PEER_CLOSED;
      if (ev & HUP) bits |= WRITABLE;
      // A socket error ends the connection (Linux reports EPOLLHUP with it).
      if (ev & ERR) bits |= READABLE | WRITABLE | FAILED | PEER_CLOSED;
      this.ready[fd] = bits;
      this.onChange?.(fd);
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (let fd = 0; fd < this.kinds.length; fd++) if (this.kinds[fd] !== NONE) this.close(fd);
    this.addon.close(this.epfd);
    this.openFds.markEnded();
  }

  // ---- sockets the module opens --------------------------------------------

  open(family: 4 | 6): Handle | number {
    const fd = this.addon.socket(family);
    if (fd < 0) return -wasiErrnoOf(-fd);
    this.track(fd, OPENED);
    return fd;
  }

  bind(handle: Handle, address: SocketAddress): number {
    if (this.kinds[handle] !== OPENED) return this.kinds[handle] === NONE ? -ERRNO_BADF : -ERRNO_INVAL;
    const r = this.addon.bindSocket(handle, address.host, address.port);
    return r < 0 ? -wasiErrnoOf(-r) : 0;
  }

  listen(handle: Handle, backlog: number): number {
    if (this.kinds[handle] !== OPENED) return this.kinds[handle] === NONE ? -ERRNO_BADF : -ERRNO_INVAL;
    const r = this.addon.listenSocket(handle, backlog);
    if (r < 0) return -wasiErrnoOf(-r);
    // As the owner's listeners: edge-triggered, registering queues an event if connections wait.
    const watched = this.addon.epollCtl(this.epfd, this.ep.ADD, handle, this.ep.IN | this.ep.ET);
    if (watched < 0) return -wasiErrnoOf(-watched);
    this.kinds[handle] = LISTENER;
    return 0;
  }

  dial(handle: Handle, address: SocketAddress): number {
    if (this.kinds[handle] !== OPENED) return this.kinds[handle] === NONE ? -ERRNO_BADF : -ERRNO_INVAL;
    const r = this.addon.connect(handle, address.host, address.port);
    if (r < 0 && r !== -LINUX_EINPROGRESS) return -wasiErrnoOf(-r);
    // Watched as an accepted connection is; the outcome is the first event.
    const { IN, OUT, RDHUP, ET, ADD } = this.ep;
    const watched = this.addon.epollCtl(this.epfd, ADD, handle, IN | OUT | RDHUP | ET);
    if (watched < 0) return -wasiErrnoOf(-watched);
    this.kinds[handle] = CONNECTION;
    this.ready[handle] = r === 0 ? WRITABLE : CONNECTING;
    this.learnSendBuffer(handle);
    return r === 0 ? 0 : -ERRNO_INPROGRESS;
  }

  socketError(handle: Handle): number {
    if (this.kinds[handle] === NONE) return 0;
    const error = this.addon.socketError(handle);
    if (error <= 0) return 0;
    // Consumed now, as recv would have: the connection is over both ways.
    if (this.kinds[handle] === CONNECTION) this.failed(handle);
    return wasiErrnoOf(error);
  }

  localAddress(handle: Handle): SocketAddress | number {
    return this.address(handle, false);
  }

  peerAddress(handle: Handle): SocketAddress | number {
    return this.address(handle, true);
  }

  setOption(handle: Handle, option: SocketOption, value: number): number {
    if (this.kinds[handle] === NONE) return -ERRNO_BADF;
    const r = this.addon.setOption(handle, this.options[option], value);
    return r < 0 ? -wasiErrnoOf(-r) : 0;
  }

  getOption(handle: Handle, option: SocketOption): number {
    if (this.kinds[handle] === NONE) return -ERRNO_BADF;
    const r = this.addon.getOption(handle, this.options[option]);
    return r < 0 ? -wasiErrnoOf(-r) : r;
  }

  // ---- internals -----------------------------------------------------------

  private address(handle: Handle, peer: boolean): SocketAddress | number {
    if (this.kinds[handle] === NONE) return -ERRNO_BADF;
    const r = this.addon.address(handle, peer, this.octets);
    if (r < 0) return -wasiErrnoOf(-r);
    const family = r >>> 16 === 4 ? 4 : 6;
    return { family, host: formatIp(this.octets.subarray(0, family === 4 ? 4 : 16)), port: r & 0xffff };
  }

  /**
   * What a fresh connection's send takes (nothing is queued yet; a connection
   * under way counts none either): poll_oneoff's nbytes for every writable
   * connection from now on, so one syscall per transport, not per poll.
   */
  private learnSendBuffer(fd: number): void {
    if (this.sendBuffer === 0) this.sendBuffer = Math.max(1, this.addon.outboundRoom(fd));
  }

  /** recv or send reported the connection's error (consumed now, as SO_ERROR is): it is over both ways. */
  private failed(conn: number): void {
    this.ready[conn] = (this.ready[conn]! & ~FAILED) | READABLE | WRITABLE | PEER_CLOSED;
    this.local[conn] |= SEND_FAILS;
  }

  private notConnection(handle: Handle): number {
    return this.kinds[handle] === LISTENER ? -ERRNO_NOTCONN : -ERRNO_BADF;
  }

  private track(fd: number, kind: number): void {
    if (fd >= this.kinds.length) this.grow(fd);
    this.openFds.add(fd);
    this.kinds[fd] = kind;
    this.ready[fd] = 0;
    this.local[fd] = 0;
  }

  private untrack(fd: number): void {
    // Off the table before the fd is closed: a number may be reused at once.
    this.openFds.remove(fd);
    this.kinds[fd] = NONE;
    this.ready[fd] = 0;
    this.local[fd] = 0;
  }

  private grow(fd: number): void {
    let size = this.kinds.length;
    while (size <= fd) size *= 2;
    const kinds = new Uint8Array(size);
    kinds.set(this.kinds);
    this.kinds = kinds;
    const ready = new Uint8Array(size);
    ready.set(this.ready);
    this.ready = ready;
    const local = new Uint8Array(size);
    local.set(this.local);
    this.local = local;
  }

  private mustSucceed(r: number, what: string): void {
    if (r < 0) throw new Error(`kernel transport: cannot ${what} (errno ${-r})`);
  }
}

/** The kind's OpenModuleHalf: `init` is what KernelOwner.moduleInit() made. */
export function openKernelModuleHalf(init: ModuleHalfInit, control: ControlBlock): KernelTransport {
  return new KernelTransport(init as KernelModuleInit, control);
}
