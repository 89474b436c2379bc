// The seam between the socket host (ts/host/) and where the bytes really live.
//
// A transport *kind* has two halves. The owner half (TransportOwner) lives on
// the thread that starts the module: it opens the listeners, wakes the module
// half, and cleans up after it. The module half (SocketTransport) lives on the
// module's thread and is called synchronously by the host; it may block that
// thread in wait(). Nothing outside ts/transport/ names a concrete kind: the
// runtime and the facade pick one by name (ts/transport/kinds.ts).
//
// Conventions (libuv style): a result >= 0 is a count or a handle; a negative
// result is minus a WASI errno (see ts/wasi/). Every buffer is bounded: send()
// accepts only what fits and answers -EAGAIN when nothing does.
//
// Stopping is not the transports' business: the host reads the stop request
// from the ControlBlock and decides what the module sees. A transport only has
// to return from wait() promptly when its owner's wake() is called.

import type { SocketAddress } from './address.js';
import type { ControlBlock } from './control-block.js';

/** A listener or connection, numbered by the transport. Never reused while open. */
export type Handle = number;

// Readiness bits, as poll() reports them.
/** A connection has bytes, EOF or an error to read; a listener has a pending connection. */
export const READABLE = 1;
/** send() would not block: there is room, or it would fail at once. */
export const WRITABLE = 2;
/** The peer will send nothing more: FIN received, or the connection is gone. */
export const PEER_CLOSED = 4;
/** A socket error (ECONNRESET after RST) is pending: recv() or send() reports it, once. */
export const FAILED = 8;
/**
 * A dial() is under way (it answered -EINPROGRESS) and its outcome is not
 * known yet: no other bit is set meanwhile. The outcome clears it: WRITABLE
 * once connected, FAILED (with the error for socketError()) when refused.
 */
export const CONNECTING = 16;

export const SHUT_RD = 1;
export const SHUT_WR = 2;
export const SHUT_RDWR = 3;

/**
 * A scatter/gather list over the module's memory: `count` (offset, length)
 * pairs in `iov`, each already checked by the host to lie inside `mem`. The
 * transport reads or writes those bytes of `mem` in place (the kernel
 * transport hands them straight to the kernel); it must not keep `mem`, which
 * a memory.grow() detaches.
 */
export interface IoList {
  mem: Uint8Array;
  iov: Uint32Array;
  count: number;
}

/** The socket options a module may set and read (WASIX sock_set_opt_flag/_size). Flags are 0 or 1; sizes are bytes. */
export type SocketOption = 'reuse-addr' | 'no-delay' | 'keep-alive' | 'recv-buffer' | 'send-buffer';

/**
 * Sockets the module opens itself (WASIX sock_open, sock_bind, sock_listen,
 * sock_connect, and what it asks of any socket: its addresses and options).
 * The host applies the network policy and the socket's state rules (which
 * calls fit a fresh, a listening and a connected socket) before it calls
 * these, so a kind implements only what the network does.
 */
export interface SocketOpening {
  /**
   * A new TCP socket of `family`, neither bound nor connected: a handle, or
   * -errno (EMFILE). poll() of such a handle is 0 until it listens or connects.
   */
  open(family: 4 | 6): Handle | number;

  /** Binds to `address` (port 0: a free port, which localAddress() reports). 0, or -EADDRINUSE, -EADDRNOTAVAIL, … */
  bind(handle: Handle, address: SocketAddress): number;

  /**
   * The bound socket becomes a listener: accept(), poll() and readable() work
   * on it as on the listeners the owner opened. 0, or -errno (EADDRINUSE).
   */
  listen(handle: Handle, backlog: number): number;

  /**
   * connect(2), named dial so that it is not taken for the owner halves' and
   * the test networks' connect(), which make a peer. Starts connecting to
   * `address`, never blocking: 0 when connected at once, -EINPROGRESS while
   * under way (poll() shows CONNECTING until the outcome),
   * or -errno at once (ECONNREFUSED, ENETUNREACH, …). A connection that is
   * under way or made reads, writes, shuts down and closes as an accepted one;
   * until it is made, recv() and send() answer -EAGAIN and shutdown() -ENOTCONN.
   * Closing it while under way abandons it.
   */
  dial(handle: Handle, address: SocketAddress): number;

  /** getsockopt(SO_ERROR): the pending socket error as a positive WASI errno, consumed; 0 when there is none. */
  socketError(handle: Handle): number;

  /** getsockname(2) of any handle (listener, connection, opened socket), or -errno. */
  localAddress(handle: Handle): SocketAddress | number;

  /** getpeername(2): the other end of a connection, or -ENOTCONN. */
  peerAddress(handle: Handle): SocketAddress | number;

  /** setsockopt(2). 0, or -errno (ENOPROTOOPT for an option this kind cannot apply). */
  setOption(handle: Handle, option: SocketOption, value: number): number;

  /** getsockopt(2): the value (>= 0), or -errno. */
  getOption(handle: Handle, option: SocketOption): number;
}

/** What pollSizes() fills in: one object, reused by the caller. */
export interface PollSizes {
  bits: number;
  toRead: number;
  toWrite: number;
}

export interface SocketTransport extends SocketOpening {
  /** Listening sockets prepared before the module starts, in --tcplisten order. */
  readonly listeners: readonly Handle[];

  /** A pending connection on `listener`, or -EAGAIN when there is none. */
  accept(listener: Handle): Handle | number;

  /**
   * Copies buffered inbound bytes into the list, in order. Returns the byte
   * count, 0 at EOF after all data (or after shutdown(SHUT_RD)), -EAGAIN when
   * nothing is buffered yet, -ECONNRESET (etc.) for a pending error, which is
   * then consumed. With `peek` the bytes (and the error) stay.
   */
  recv(conn: Handle, into: IoList, peek: boolean): number;

  /**
   * Queues bytes from the list; returns how many were accepted (at least 1),
   * -EAGAIN when none fit, -ECONNRESET for a pending error (consumed), or
   * -EPIPE once sending cannot work (after SHUT_WR, an error, or the peer gone).
   */
  send(conn: Handle, from: IoList): number;

  /** how: SHUT_RD | SHUT_WR | SHUT_RDWR. Returns 0 or -errno. */
  shutdown(conn: Handle, how: number): number;

  /**
   * Releases the handle, like close(2): pending outbound bytes are still
   * flushed, unless inbound bytes were left unread, in which case the peer is
   * reset at once. Connections still waiting on a closed listener are reset.
   */
  close(handle: Handle): void;

  /** READABLE | WRITABLE | PEER_CLOSED | FAILED | CONNECTING, from what the transport knows now (no blocking). */
  poll(handle: Handle): number;

  /**
   * Bytes buffered for recv() (pending connections, for a listener), exactly.
   * It may ask the kernel (a system call on the kernel transport): it serves
   * recv(MSG_PEEK|MSG_WAITALL), never poll_oneoff (pollSizes does).
   */
  readable(handle: Handle): number;

  /**
   * A socket as poll_oneoff reports it, in one call and without a system
   * call (README, "poll_oneoff's nbytes"): `out.bits` is what poll() answers;
   * `out.toRead` the bytes a recv would return now (pending connections, for
   * a listener) and `out.toWrite` the bytes a send would take, as far as the
   * transport knows. Exact where it holds the bytes itself; where they wait
   * in the kernel, 1 while readable and the send buffer's size (read once)
   * while writable. 0 when that way has nothing to move (the end, an error).
   */
  pollSizes(handle: Handle, out: PollSizes): void;

  /**
   * Blocks the calling thread until the readiness of some handle may have
   * changed, the owner calls wake(), or `timeoutMs` passes (< 0: no limit; 0:
   * just collect news). Never busy-waits. Before returning it reports every
   * handle whose readiness may have changed through `onChange`.
   */
  wait(timeoutMs: number): void;

  /** Set by the host; called from inside the transport's methods, never re-entrantly. */
  onChange: ((handle: Handle) => void) | null;

  /**
   * The module has ended and the host closed every handle it held: flush what
   * is queued and tell the owner half. The transport is unusable afterwards.
   */
  end(): void;
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** Tuning for a kind; each kind documents its defaults, and which fields it ignores (the kernel kind: owner.ts). */
export interface TransportLimits {
  /** Bytes buffered inbound per connection before the peer is slowed down. */
  inbound?: number;
  /** Bytes send() accepts per connection beyond what the network took. */
  outbound?: number;
  /** Connections waiting for accept() per listener; more are refused. */
  acceptBacklog?: number;
}

/** What the module half needs, as it crosses to the module's thread (structured clone). */
export interface ModuleHalfInit {
  kind: string;
  [field: string]: unknown;
}

/** The owner half of a transport, on the thread that starts the module. */
export interface TransportOwner {
  /** Actual addresses, port 0 resolved, in the order given. */
  readonly addresses: readonly ListenAddress[];
  /** For the module's thread (workerData) and what must be transferred with it. Callable once. */
  moduleInit(): { init: ModuleHalfInit; transfer: Transferable[] };
  /** Makes the module half's wait() return now (after a stop request, or when its thread must end). */
  wake(): void;
  /** Resolves once the module half called end(): everything it queued has reached the owner. */
  readonly ended: Promise<void>;
  /**
   * After the module half is gone. Connections it left open flush for at most
   * `lingerMs` (0: reset at once); listeners close. Resolves when nothing of
   * this transport remains.
   */
  close(lingerMs: number): Promise<void>;
  /**
   * Only on kinds whose module half can run on the starting thread itself
   * (kinds.ts, `startingThread`), for a module run there in a process that is
   * its own: from now on the process's SIGINT and SIGTERM ask the module to
   * stop, from native code (a thread asleep in the transport's wait runs no
   * JavaScript signal listener); when `graceMs` have passed, ask for its end
   * (ControlBlock.requestEnd: its next wait ends it), and end the process with
   * status 128 + the signal's number, after writing `graceLine` to stderr, if
   * it has not ended shortly after. Returns the undoing, which says which
   * signal came (or null).
   */
  stopOnSignals?(graceMs: number, graceLine: string): () => number | null;
}

/** How a kind opens its owner half. */
export interface OwnerOptions {
  listen: readonly ListenAddress[];
  control: ControlBlock;
  limits?: TransportLimits;
  /** A line for the user (a refused connection, with --verbose). */
  log?: (line: string) => void;
  /**
   * One of several instances of a module on the same addresses: its owner
   * half takes the listeners opened for instance `index` instead of opening
   * `listen` itself (and leaves them open when it closes).
   */
  instance?: { listeners: InstanceListeners; index: number };
}

/**
 * Listening sockets for several instances of one module on the same addresses
 * (kinds.ts, openInstanceListeners): each instance its own listeners, among
 * which the kernel spreads new connections. They are opened once and outlive
 * the instances' owner halves, so an instance that is restarted finds the
 * connections that queued on its listeners meanwhile (a listener that closes
 * resets its queue; it is not handed to the others).
 */
export interface InstanceListeners {
  /** Actual addresses (port 0 resolved), in the order given: every instance's. */
  readonly addresses: readonly ListenAddress[];
  /** After every instance's owner half has closed. */
  close(): void;
}

export interface InstanceListenerOptions {
  listen: readonly ListenAddress[];
  count: number;
  limits?: TransportLimits;
}

/** How a kind makes its module half on the module's thread. */
export type OpenModuleHalf = (init: ModuleHalfInit, control: ControlBlock) => SocketTransport;
