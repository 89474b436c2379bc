// An in-memory network: a SocketTransport whose peers are objects in the same
// thread (MemoryClient), with bounded buffers both ways, FIN, RST and a clock.
//
// The module and its peers share one thread, so nothing can happen while the
// host blocks in wait() except what was scheduled: wait() runs the scheduled
// actions (`after(ms, fn)`) that fall due within its timeout, in time order.
// With the default virtual clock, time jumps straight to the next action or
// timeout (tests are deterministic and instant); with the real clock, wait()
// sleeps for real with Atomics.wait, never spinning. A wait with no timeout and
// nothing scheduled could never end: it throws MemoryNetworkDeadlock.

import type { Clock } from '../host/clock.js';
import {
  ERRNO_BADF,
  ERRNO_CANCELED,
  ERRNO_CONNRESET,
  ERRNO_INVAL,
  ERRNO_NOTCONN,
  ERRNO_PIPE,
  ERRNO_AGAIN,
} from '../wasi/index.js';
import { SHUT_RD, SHUT_RDWR, SHUT_WR, type Handle, type Readiness, type SocketTransport } from './types.js';
import { ChunkQueue } from './chunk-queue.js';

export interface MemoryNetworkOptions {
  /** Listening sockets made up front (transport.listeners). Default 1. */
  listeners?: number;
  /** Bytes each direction of a connection buffers. Default 64 KiB. */
  bufferSize?: number;
  /** Connections a listener holds before accept; more are refused. Default 128. */
  backlog?: number;
  /** 'virtual' (default): time moves only when wait() lets it. 'real': wall-clock time. */
  clock?: 'virtual' | 'real';
}

/** Calls the transport served, for tests that assert how much work the host did. */
export interface MemoryNetworkCounters {
  poll: number;
  wait: number;
  accept: number;
  recv: number;
  send: number;
}

export class MemoryNetworkDeadlock extends Error {
  constructor() {
    super('wait() without timeout on an in-memory network with nothing scheduled: it would never return');
    this.name = 'MemoryNetworkDeadlock';
  }
}

/** A bounded FIFO of bytes. */
/** A ChunkQueue with a capacity: pushes copy what fits (the sender keeps its buffer). */
class ByteQueue extends ChunkQueue {
  constructor(readonly capacity: number) {
    super();
  }

  get room(): number {
    return Math.max(0, this.capacity - this.length);
  }

  /** Appends what fits from `from`; returns the count. */
  push(from: readonly Uint8Array[]): number {
    let n = 0;
    for (const part of from) {
      const take = Math.min(part.length, this.room);
      if (take === 0) break;
      this.append(part.slice(0, take));
      n += take;
    }
    return n;
  }

  take(max: number): Uint8Array {
    const out = new Uint8Array(Math.min(max, this.length));
    this.copyOut([out], false);
    return out;
  }
}

class Listener {
  readonly pending: Conn[] = [];
  constructor(readonly handle: Handle) {}
}

class Conn {
  /** Client to server. */
  readonly inbound: ByteQueue;
  /** Server to client. */
  readonly outbound: ByteQueue;
  accepted = false;
  /** The client sent FIN. */
  clientFin = false;
  /** The client closed: it reads nothing more, sends to it fail. */
  clientClosed = false;
  /** RST happened (either side); the server has not consumed the error yet while `pendingError`. */
  reset = false;
  pendingError = 0;
  serverShutRd = false;
  serverShutWr = false;
  serverClosed = false;

  constructor(
    readonly handle: Handle,
    bufferSize: number,
  ) {
    this.inbound = new ByteQueue(bufferSize);
    this.outbound = new ByteQueue(bufferSize);
  }
}

/** The peer side of one connection, driven by a test. */
export class MemoryClient {
  constructor(
    private readonly net: MemoryNetwork,
    private readonly conn: Conn,
  ) {}

  /** The server-side handle (what accept() returns for this connection). */
  get handle(): Handle {
    return this.conn.handle;
  }

  get accepted(): boolean {
    return this.conn.accepted;
  }

  /** Queues bytes for the server; returns how many fit, or -EPIPE once this side or the connection is closed. */
  write(data: Uint8Array | string): number {
    const c = this.conn;
    if (c.clientFin || c.clientClosed || c.reset) return -ERRNO_PIPE;
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    // Bytes sent after the server shut its reading side are dropped, as the kernel does.
    const n = c.serverShutRd || c.serverClosed ? bytes.length : c.inbound.push([bytes]);
    if (n > 0) this.net.changed(c.handle);
    return n;
  }

  /** Takes up to `max` bytes the server sent. */
  read(max = Number.MAX_SAFE_INTEGER): Uint8Array {
    const out = this.conn.outbound.take(max);
    if (out.length > 0) this.net.changed(this.conn.handle);
    return out;
  }

  readText(max?: number): string {
    return new TextDecoder().decode(this.read(max));
  }

  /** Bytes the server sent that the client has not read. */
  get buffered(): number {
    return this.conn.outbound.length;
  }

  /** The server will send nothing more (it shut down writing or closed) and everything was read. */
  get eof(): boolean {
    return this.conn.outbound.length === 0 && (this.conn.serverShutWr || this.conn.serverClosed);
  }

  /** The server closed its descriptor. */
  get serverClosed(): boolean {
    return this.conn.serverClosed;
  }

  get wasReset(): boolean {
    return this.conn.reset;
  }

  /** shutdown(SHUT_WR): FIN. The server reads what was sent, then EOF. */
  end(): void {
    if (this.conn.clientFin) return;
    this.conn.clientFin = true;
    this.net.changed(this.conn.handle);
  }

  /** close(): FIN, and this side reads nothing more (the server's sends fail with EPIPE). */
  close(): void {
    this.conn.clientFin = true;
    this.conn.clientClosed = true;
    this.conn.outbound.clear();
    this.net.changed(this.conn.handle);
  }

  /** RST: buffered bytes are dropped both ways; the server's next recv/send fails with ECONNRESET. */
  reset(): void {
    const c = this.conn;
    if (c.reset) return;
    c.reset = true;
    c.pendingError = ERRNO_CONNRESET;
    c.inbound.clear();
    c.outbound.clear();
    this.net.changed(c.handle);
  }
}

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export class MemoryNetwork implements SocketTransport {
  readonly listeners: readonly Handle[];
  onChange: ((handle: Handle) => void) | null = null;
  readonly counters: MemoryNetworkCounters = { poll: 0, wait: 0, accept: 0, recv: 0, send: 0 };
  /** Time as the host should see it: pass as SocketHostOptions.clock. */
  readonly clock: Clock;

  private readonly bufferSize: number;
  private readonly backlog: number;
  private readonly realTime: boolean;
  private readonly origin: number;
  private virtualNow = 0;
  private nextHandle = 1;
  private readonly listenerByHandle = new Map<Handle, Listener>();
  private readonly connByHandle = new Map<Handle, Conn>();
  private readonly dirty = new Set<Handle>();
  private timers: Timer[] = [];
  private timerSeq = 0;
  private stopRequested = false;
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));

  constructor(options: MemoryNetworkOptions = {}) {
    const count = options.listeners ?? 1;
    this.bufferSize = options.bufferSize ?? 64 * 1024;
    this.backlog = options.backlog ?? 128;
    this.realTime = (options.clock ?? 'virtual') === 'real';
    for (const [name, value, min] of [
      ['listeners', count, 0],
      ['bufferSize', this.bufferSize, 1],
      ['backlog', this.backlog, 1],
    ] as const) {
      if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
    }
    this.origin = performance.now();
    const handles: Handle[] = [];
    for (let i = 0; i < count; i++) {
      const handle = this.nextHandle++;
      this.listenerByHandle.set(handle, new Listener(handle));
      handles.push(handle);
    }
    this.listeners = handles;
    // An arbitrary but fixed epoch, so that REALTIME and MONOTONIC differ as they do for real.
    const epochNs = 1_700_000_000_000_000_000n;
    this.clock = {
      monotonicNs: () => BigInt(Math.round(this.now() * 1e6)),
      realtimeNs: () => epochNs + BigInt(Math.round(this.now() * 1e6)),
      resolutionNs: 1000n,
    };
  }

  /** Milliseconds since the network was made. */
  now(): number {
    return this.realTime ? performance.now() - this.origin : this.virtualNow;
  }

  // ---- the test's side -----------------------------------------------------

  /** A new connection to `listener`, waiting for accept; null when refused (listener closed, backlog full, stopping). */
  connect(listener: Handle = this.listeners[0]!): MemoryClient | null {
    const l = this.listenerByHandle.get(listener);
    if (l === undefined || this.stopRequested || l.pending.length >= this.backlog) return null;
    const conn = new Conn(this.nextHandle++, this.bufferSize);
    this.connByHandle.set(conn.handle, conn);
    l.pending.push(conn);
    this.changed(listener);
    return new MemoryClient(this, conn);
  }

  /** Runs `fn` once `ms` from now, inside a wait() of the host (or the test's own `advance`). */
  after(ms: number, fn: () => void): void {
    this.timers.push({ at: this.now() + Math.max(0, ms), seq: this.timerSeq++, fn });
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** Asks the module to stop: blocking calls return, listeners report hangup and an error. */
  stop(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    for (const handle of this.listeners) if (this.listenerByHandle.has(handle)) this.changed(handle);
  }

  /** Handles (listeners and connections, accepted or not) not closed by the host. */
  get openHandles(): number {
    return this.listenerByHandle.size + this.connByHandle.size;
  }

  isOpen(handle: Handle): boolean {
    return this.listenerByHandle.has(handle) || this.connByHandle.has(handle);
  }

  /** Records that `handle`'s readiness may have changed; reported from the next wait(). */
  changed(handle: Handle): void {
    this.dirty.add(handle);
  }

  // ---- SocketTransport -----------------------------------------------------

  get stopping(): boolean {
    return this.stopRequested;
  }

  accept(listener: Handle): Handle | number {
    this.counters.accept++;
    const l = this.listenerByHandle.get(listener);
    if (l === undefined) return this.connByHandle.has(listener) ? -ERRNO_INVAL : -ERRNO_BADF;
    if (this.stopRequested) return -ERRNO_CANCELED;
    const conn = l.pending.shift();
    if (conn === undefined) return -ERRNO_AGAIN;
    conn.accepted = true;
    return conn.handle;
  }

  recv(handle: Handle, into: readonly Uint8Array[], peek: boolean): number {
    this.counters.recv++;
    const c = this.acceptedConn(handle);
    if (typeof c === 'number') return c;
    if (c.pendingError !== 0) {
      const error = c.pendingError;
      if (!peek) c.pendingError = 0;
      return -error;
    }
    if (c.reset || c.serverShutRd) return 0;
    // The host's own calls report no change: only the peer's actions (and time) are events.
    if (c.inbound.length > 0) return c.inbound.copyOut(into, peek);
    return c.clientFin ? 0 : -ERRNO_AGAIN;
  }

  send(handle: Handle, from: readonly Uint8Array[]): number {
    this.counters.send++;
    const c = this.acceptedConn(handle);
    if (typeof c === 'number') return c;
    if (c.pendingError !== 0) {
      const error = c.pendingError;
      c.pendingError = 0;
      return -error;
    }
    if (c.reset || c.serverShutWr || c.clientClosed) return -ERRNO_PIPE;
    if (c.outbound.room === 0) return -ERRNO_AGAIN;
    return c.outbound.push(from);
  }

  shutdown(handle: Handle, how: number): number {
    const c = this.acceptedConn(handle);
    if (typeof c === 'number') return c;
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) return -ERRNO_INVAL;
    if (c.reset) return -ERRNO_NOTCONN;
    if (how & SHUT_RD) {
      c.serverShutRd = true;
      c.inbound.clear();
    }
    if (how & SHUT_WR) c.serverShutWr = true;
    return 0;
  }

  close(handle: Handle): void {
    const l = this.listenerByHandle.get(handle);
    if (l !== undefined) {
      // Connections nobody accepted are reset, as the kernel does.
      for (const conn of l.pending) {
        conn.reset = true;
        this.connByHandle.delete(conn.handle);
      }
      this.listenerByHandle.delete(handle);
      return;
    }
    const c = this.connByHandle.get(handle);
    if (c === undefined) return;
    // Pending outbound bytes stay readable by the client, then EOF.
    c.serverClosed = true;
    c.serverShutWr = true;
    this.connByHandle.delete(handle);
    this.dirty.delete(handle);
  }

  poll(handle: Handle): Readiness {
    this.counters.poll++;
    const l = this.listenerByHandle.get(handle);
    if (l !== undefined) {
      const stopping = this.stopRequested;
      return {
        readable: l.pending.length > 0 || stopping,
        writable: false,
        hangup: stopping,
        error: stopping ? ERRNO_CANCELED : 0,
        nread: l.pending.length,
        nwrite: 0,
      };
    }
    const c = this.connByHandle.get(handle);
    if (c === undefined || !c.accepted) return { readable: false, writable: false, hangup: true, error: ERRNO_BADF, nread: 0, nwrite: 0 };
    const sendFails = c.reset || c.serverShutWr || c.clientClosed;
    return {
      readable: c.inbound.length > 0 || c.clientFin || c.reset || c.serverShutRd,
      // A send that would fail at once counts as writable, as POLLOUT does after shutdown(SHUT_WR).
      writable: sendFails || c.outbound.room > 0,
      hangup: c.clientFin || c.reset,
      error: c.pendingError,
      nread: c.inbound.length,
      nwrite: sendFails ? 0 : c.outbound.room,
    };
  }

  wait(timeoutMs: number): void {
    this.counters.wait++;
    if (this.dirty.size === 0 && !this.stopRequested) {
      const next = this.timers[0];
      const now = this.now();
      let until: number;
      if (timeoutMs < 0) {
        if (next === undefined) throw new MemoryNetworkDeadlock();
        until = next.at;
      } else {
        until = Math.min(now + timeoutMs, next?.at ?? Infinity);
      }
      this.sleepUntil(until);
      this.runDueTimers();
    }
    this.report();
  }

  // ---- internals -----------------------------------------------------------

  private acceptedConn(handle: Handle): Conn | number {
    const c = this.connByHandle.get(handle);
    if (c === undefined || !c.accepted) return this.listenerByHandle.has(handle) ? -ERRNO_NOTCONN : -ERRNO_BADF;
    return c;
  }

  private sleepUntil(until: number): void {
    if (!this.realTime) {
      if (until > this.virtualNow) this.virtualNow = until;
      return;
    }
    for (let left = until - this.now(); left > 0; left = until - this.now()) {
      Atomics.wait(this.sleeper, 0, 0, left);
    }
  }

  private runDueTimers(): void {
    while (this.timers.length > 0 && this.timers[0]!.at <= this.now()) this.timers.shift()!.fn();
  }

  private report(): void {
    const handles = Array.from(this.dirty);
    this.dirty.clear();
    for (const handle of handles) this.onChange?.(handle);
  }
}
