// The seam between the socket host (ts/host/) and where the bytes really live.
//
// The host runs in the worker thread next to the wasm module and calls a
// SocketTransport synchronously. An implementation may proxy to node:net sockets
// owned by the main thread (node-net), make kernel syscalls from the worker, or
// keep both ends in memory: the host never knows which.
//
// Conventions (libuv style): a result >= 0 is a count or a handle; a negative
// result is minus a WASI errno (see ts/wasi/). Every buffer is bounded: send()
// accepts only what fits and answers -EAGAIN when nothing does.

/** A listener or connection, numbered by the transport. Never reused while open. */
export type Handle = number;

export interface Readiness {
  /** A connection has bytes (or EOF, or an error) to read; a listener has a pending connection. */
  readable: boolean;
  /** send() would accept at least one byte. */
  writable: boolean;
  /** The peer will send nothing more (FIN received or connection gone). */
  hangup: boolean;
  /** Pending socket error as a WASI errno (ECONNRESET after RST), 0 if none. */
  error: number;
  /** Bytes buffered for recv(), or pending connections on a listener. */
  nread: number;
  /** Bytes send() would accept now. */
  nwrite: number;
}

export const SHUT_RD = 1;
export const SHUT_WR = 2;
export const SHUT_RDWR = 3;

export interface SocketTransport {
  /** Listening sockets prepared before the module starts, in --tcplisten order. */
  readonly listeners: readonly Handle[];

  /** A pending connection on `listener`, or -EAGAIN when there is none. */
  accept(listener: Handle): Handle | number;

  /**
   * Copies buffered inbound bytes into `into` (scatter), in order.
   * Returns the byte count, 0 at EOF after all data, -EAGAIN when nothing is
   * buffered yet, -ECONNRESET (etc.) after an error. With `peek` the bytes stay.
   */
  recv(conn: Handle, into: readonly Uint8Array[], peek: boolean): number;

  /** Queues bytes (gather); returns how many were accepted, or -EAGAIN / -EPIPE / -ECONNRESET. */
  send(conn: Handle, from: readonly Uint8Array[]): number;

  /** how: SHUT_RD | SHUT_WR | SHUT_RDWR. Returns 0 or -errno. */
  shutdown(conn: Handle, how: number): number;

  /** Releases the handle; pending outbound bytes are still flushed (like close(2)). */
  close(handle: Handle): void;

  /** Current readiness of a handle. */
  poll(handle: Handle): Readiness;

  /**
   * Blocks the calling thread until the readiness of some handle may have
   * changed, the host is asked to stop, or `timeoutMs` passes (< 0: no limit).
   * Never busy-waits. Before returning it reports every handle whose readiness
   * may have changed through `onChange` (epoll's ready list is kept by this).
   */
  wait(timeoutMs: number): void;

  /** Set by the host; called from inside the transport's methods, never re-entrantly. */
  onChange: ((handle: Handle) => void) | null;

  /** True once the owner asked the module to stop: blocking calls must return. */
  readonly stopping: boolean;
}
