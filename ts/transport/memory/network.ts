// An in-memory network: a SocketTransport whose peers are objects in the same
// thread (MemoryClient), with bounded buffers both ways, FIN, RST and a clock.
// Both halves live in one thread, so there is no owner half: the host's tests
// drive it directly.
//
// The module and its peers share one thread, so nothing can happen while the
// host blocks in wait() except what was scheduled: wait() runs the scheduled
// actions (`after(ms, fn)`) that fall due within its timeout, in time order.
//
// Sockets the module opens itself connect to the test's servers (serve(),
// MemoryServer) or to the module's own listeners on the same network (the
// two connections joined by a Pipe); a connect's outcome, like every other
// change, shows at the next wait().
// With the default virtual clock, time jumps straight to the next action or
// timeout (tests are deterministic and instant); with the real clock, wait()
// sleeps for real with Atomics.wait, never spinning. A wait with no timeout and
// nothing scheduled could never end: it throws MemoryNetworkDeadlock.

import {
  ERRNO_ADDRINUSE,
  ERRNO_ADDRNOTAVAIL,
  ERRNO_AGAIN,
  ERRNO_BADF,
  ERRNO_CONNREFUSED,
  ERRNO_CONNRESET,
  ERRNO_INPROGRESS,
  ERRNO_INVAL,
  ERRNO_NOTCONN,
  ERRNO_PIPE,
} from '../../wasi/defs.js';
import { canonicalIp, loopbackHost, reaches, wildcardHost, type SocketAddress } from '../address.js';
import { ChunkQueue } from '../chunk-queue.js';
import { ControlBlock } from '../control-block.js';
import { oneBuffer } from '../io-list.js';
import { SocketState } from '../socket-state.js';
import { READABLE, SHUT_RD, SHUT_RDWR, SHUT_WR, type Handle, type IoList, type PollSizes, type SocketOption, type SocketTransport } from '../types.js';

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

/** A ChunkQueue with a capacity: pushes copy what fits (the sender keeps its buffer). */
class ByteQueue extends ChunkQueue {
  constructor(public capacity: number) {
    super();
  }

  get room(): number {
    return Math.max(0, this.capacity - this.length);
  }

  /** Appends what fits from the gather list; returns the count. */
  push({ mem, iov, count }: IoList): number {
    let n = 0;
    // An empty pair is skipped, as writev skips it; only a full queue ends the send.
    for (let i = 0; i < count && this.room > 0; i++) {
      const take = Math.min(iov[2 * i + 1]!, this.room);
      this.append(mem.slice(iov[2 * i]!, iov[2 * i]! + take));
      n += take;
    }
    return n;
  }

  take(max: number): Uint8Array {
    const out = new Uint8Array(Math.min(max, this.length));
    this.copyOut(oneBuffer(out), false);
    return out;
  }
}

class Listener {
  readonly pending: Conn[] = [];
  constructor(
    readonly handle: Handle,
    readonly address: SocketAddress,
    readonly backlog: number,
  ) {}
}

/** A socket the module opened that neither listens nor connects yet. */
interface Opened {
  family: 4 | 6;
  bound: SocketAddress | null;
}

/** The first port port 0 binds to, as Linux's ephemeral range starts. */
const FIRST_EPHEMERAL_PORT = 49152;
/** The listeners made up front listen on 127.0.0.1 from this port on. */
const FIRST_LISTENER_PORT = 8000;

/** Addresses of this (one-host) network: a socket binds only to these. */
const isLocal = (host: string) => host === '0.0.0.0' || host === '::' || host === '::1' || /^127\./.test(host);
const key = (a: SocketAddress) => `${a.host}|${a.port}`;

class Conn {
  /** The server's socket; its inbound queue is what the client sent. */
  readonly state = new SocketState();
  /** Server to client. */
  readonly outbound: ByteQueue;
  accepted = false;
  /** The client sent FIN. */
  clientFin = false;
  /** The client closed: it reads nothing more. */
  clientClosed = false;
  /** RST happened (either side). */
  reset = false;
  serverClosed = false;
  /** The module's end (local) and the other end (peer). */
  local: SocketAddress = { family: 4, host: '127.0.0.1', port: 0 };
  peer: SocketAddress = { family: 4, host: '127.0.0.1', port: 0 };

  constructor(
    readonly handle: Handle,
    public bufferSize: number,
  ) {
    this.outbound = new ByteQueue(bufferSize);
  }

  get inboundRoom(): number {
    return Math.max(0, this.bufferSize - this.state.inbound.length);
  }

  /** Both ways: buffered bytes dropped, the connection gone. */
  resetBoth(): void {
    this.reset = true;
    this.state.inbound.clear();
    this.state.gone = true;
    this.outbound.clear();
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
    if (c.serverClosed || c.state.readShut) return bytes.length;
    const n = Math.min(bytes.length, c.inboundRoom);
    if (n > 0) {
      c.state.arrived(bytes.slice(0, n));
      this.net.readinessChanged(c.handle);
    }
    return n;
  }

  /** Takes up to `max` bytes the server sent. */
  read(max = Number.MAX_SAFE_INTEGER): Uint8Array {
    const out = this.conn.outbound.take(max);
    if (out.length > 0) this.net.readinessChanged(this.conn.handle);
    return out;
  }

  readText(max?: number): string {
    return new TextDecoder().decode(this.read(max));
  }

  /** Bytes the server sent that the client has not read. */
  get buffered(): number {
    return this.conn.outbound.length;
  }

  /** Bytes write() would take now. */
  get room(): number {
    return this.conn.inboundRoom;
  }

  /** The module's address on this connection (its listener's, or the one it connected from). */
  get moduleAddress(): SocketAddress {
    return { ...this.conn.local };
  }

  /** This end's address, as the module's peerAddress() gives it. */
  get address(): SocketAddress {
    return { ...this.conn.peer };
  }

  /** The server will send nothing more (it shut down writing or closed) and everything was read. */
  get eof(): boolean {
    return this.conn.outbound.length === 0 && (this.conn.state.writeShut || this.conn.serverClosed);
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
    this.conn.state.peerFin = true;
    this.net.readinessChanged(this.conn.handle);
  }

  /** close(): FIN, and this side reads nothing more (the server's sends fail with EPIPE). */
  close(): void {
    const c = this.conn;
    c.clientFin = true;
    c.clientClosed = true;
    c.state.peerFin = true;
    c.state.gone = true;
    c.outbound.clear();
    this.net.readinessChanged(c.handle);
  }

  /**
   * RST: what the server had not read yet still reads first (as on Linux); what it
   * sent is dropped, and its next recv (after those bytes) or send fails with ECONNRESET.
   */
  reset(): void {
    const c = this.conn;
    if (c.reset) return;
    c.reset = true;
    c.state.gone = true;
    c.outbound.clear();
    c.state.failed(ERRNO_CONNRESET);
    this.net.readinessChanged(c.handle);
  }
}

/**
 * A server of the test's at an address, for the module's connects: each
 * connect that reaches it is a MemoryClient in `connections` (its other end).
 */
export class MemoryServer {
  readonly connections: MemoryClient[] = [];
  /** Connects wait (CONNECTING) until release(). */
  holding = false;
  /** Connects are refused (ECONNREFUSED): nothing listens. */
  closed = false;

  constructor(
    readonly address: SocketAddress,
    private readonly net: MemoryNetwork,
  ) {}

  /** Connects from now on wait until release(). */
  hold(): void {
    this.holding = true;
  }

  /** Held connects complete at the next wait(). */
  release(): void {
    this.holding = false;
    this.net.nudge();
  }

  /** Nothing listens here any more: later connects are refused; its connections go on. */
  close(): void {
    this.closed = true;
  }
}

/** Two connections of the module joined end to end (it connected to its own listener). */
class Pipe {
  private finAB = false;
  private finBA = false;

  constructor(
    readonly a: MemoryClient,
    readonly b: MemoryClient,
  ) {}

  /** Moves what each side sent to the other, as far as there is room; FIN and RST follow. */
  pump(): void {
    this.move(this.a, this.b, 'finAB');
    this.move(this.b, this.a, 'finBA');
  }

  get done(): boolean {
    return (this.a.serverClosed || this.a.wasReset) && (this.b.serverClosed || this.b.wasReset) && this.a.buffered === 0 && this.b.buffered === 0;
  }

  private move(from: MemoryClient, to: MemoryClient, fin: 'finAB' | 'finBA'): void {
    if (from.wasReset || to.wasReset) {
      // An RST on either connection resets the other.
      from.reset();
      to.reset();
      return;
    }
    if (from.buffered > 0 && to.serverClosed) {
      // Bytes for a socket its owner closed: the answer is an RST.
      from.reset();
      return;
    }
    while (from.buffered > 0 && to.room > 0) to.write(from.read(to.room));
    if (!this[fin] && from.eof) {
      this[fin] = true;
      to.end();
    }
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
  /** The stop flag and counters the host shares: pass as SocketHostOptions.control. */
  readonly control = new ControlBlock();
  /** Time as the host should see it: pass as SocketHostOptions.clock. */
  readonly clock: { realtimeNs(): bigint; monotonicNs(): bigint; readonly resolutionNs: bigint };

  private readonly bufferSize: number;
  private readonly backlog: number;
  private readonly realTime: boolean;
  private readonly origin: number;
  private virtualNow = 0;
  private nextHandle = 1;
  private readonly listenerByHandle = new Map<Handle, Listener>();
  private readonly connByHandle = new Map<Handle, Conn>();
  private readonly opened = new Map<Handle, Opened>();
  private readonly options = new Map<Handle, Map<SocketOption, number>>();
  private readonly servers = new Map<string, MemoryServer>();
  /** Connects under way, settled at the next wait(). */
  private readonly connecting = new Map<Handle, SocketAddress>();
  private readonly pipes = new Set<Pipe>();
  private nextPort = FIRST_EPHEMERAL_PORT;
  private readonly dirty = new Set<Handle>();
  private timers: Timer[] = [];
  private timerSeq = 0;
  private woken = false;
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
      this.listenerByHandle.set(handle, new Listener(handle, { family: 4, host: '127.0.0.1', port: FIRST_LISTENER_PORT + i }, this.backlog));
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

  /** A new connection to `listener`, waiting for accept; null when refused (listener closed, backlog full). */
  connect(listener: Handle = this.listeners[0]!): MemoryClient | null {
    const l = this.listenerByHandle.get(listener);
    if (l === undefined || l.pending.length >= l.backlog) {
      this.control.countRefused();
      return null;
    }
    const conn = new Conn(this.nextHandle++, this.bufferSize);
    conn.local = { ...l.address, host: l.address.host === wildcardHost(l.address.family) ? loopbackHost(l.address.family) : l.address.host };
    conn.peer = { family: l.address.family, host: loopbackHost(l.address.family), port: this.ephemeralPort() };
    this.connByHandle.set(conn.handle, conn);
    l.pending.push(conn);
    this.readinessChanged(listener);
    return new MemoryClient(this, conn);
  }

  /** A new connection to whatever the module listens on at `address` (see connect()); null when nothing listens there. */
  connectTo(address: { host: string; port: number }): MemoryClient | null {
    const to = this.toAddress(address);
    for (const l of this.listenerByHandle.values()) if (reaches(to, l.address)) return this.connect(l.handle);
    this.control.countRefused();
    return null;
  }

  /** A server of the test's at `address` (port 0: a free one) that the module can connect to. */
  serve(address: { host: string; port: number } = { host: '127.0.0.1', port: 0 }): MemoryServer {
    const at = this.toAddress(address);
    if (at.port === 0) at.port = this.ephemeralPort();
    if (this.servers.has(key(at))) throw new Error(`the memory network already serves ${at.host}:${at.port}`);
    const server = new MemoryServer(at, this);
    this.servers.set(key(at), server);
    return server;
  }

  /** Something changed outside the module's calls: the next wait() returns at once. */
  nudge(): void {
    this.woken = true;
  }

  /** Runs `fn` once `ms` from now, inside a wait() of the host (or the test's own `advance`). */
  after(ms: number, fn: () => void): void {
    this.timers.push({ at: this.now() + Math.max(0, ms), seq: this.timerSeq++, fn });
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** What an owner's stop does: the stop request, and the module woken. */
  stop(): void {
    this.control.requestStop();
    this.woken = true;
  }

  /** What an owner does when the grace is over: the end request, and the module woken. */
  requestEnd(): void {
    this.control.requestEnd();
    this.woken = true;
  }

  /** Handles (listeners, connections accepted or not, sockets the module opened) not closed by the host. */
  get openHandles(): number {
    return this.listenerByHandle.size + this.connByHandle.size + this.opened.size;
  }

  isOpen(handle: Handle): boolean {
    return this.listenerByHandle.has(handle) || this.connByHandle.has(handle) || this.opened.has(handle);
  }

  /** Records that `handle`'s readiness may have changed; reported from the next wait(). */
  readinessChanged(handle: Handle): void {
    this.dirty.add(handle);
  }

  // ---- SocketTransport -----------------------------------------------------

  accept(listener: Handle): Handle | number {
    this.counters.accept++;
    const l = this.listenerByHandle.get(listener);
    if (l === undefined) return this.connByHandle.has(listener) ? -ERRNO_INVAL : -ERRNO_BADF;
    const conn = l.pending.shift();
    if (conn === undefined) return -ERRNO_AGAIN;
    conn.accepted = true;
    return conn.handle;
  }

  recv(handle: Handle, into: IoList, peek: boolean): number {
    this.counters.recv++;
    const c = this.acceptedConn(handle);
    if (typeof c === 'number') return c;
    // The host's own calls report no change: only the peer's actions (and time) are events.
    return c.state.recv(into, peek);
  }

  send(handle: Handle, from: IoList): number {
    this.counters.send++;
    const c = this.acceptedConn(handle);
    if (typeof c === 'number') return c;
    const check = c.state.sendCheck();
    if (check < 0) return check;
    if (c.outbound.room === 0) return -ERRNO_AGAIN;
    return c.outbound.push(from);
  }

  shutdown(handle: Handle, how: number): number {
    const c = this.acceptedConn(handle);
    if (typeof c === 'number') return c;
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) return -ERRNO_INVAL;
    if (c.reset) return -ERRNO_NOTCONN;
    const check = c.state.shutdownCheck();
    if (check < 0) return check;
    c.state.shutdown(how);
    return 0;
  }

  close(handle: Handle): void {
    this.options.delete(handle);
    if (this.opened.delete(handle)) return;
    this.connecting.delete(handle);
    const l = this.listenerByHandle.get(handle);
    if (l !== undefined) {
      // Connections nobody accepted are reset, as the kernel does.
      for (const conn of l.pending) {
        conn.resetBoth();
        this.connByHandle.delete(conn.handle);
      }
      this.listenerByHandle.delete(handle);
      return;
    }
    const c = this.connByHandle.get(handle);
    if (c === undefined) return;
    c.serverClosed = true;
    // Unread input makes close(2) reset the connection; otherwise the pending
    // outbound bytes stay readable by the client, then EOF.
    if (c.state.inbound.length > 0) c.resetBoth();
    else c.state.writeShut = true;
    this.connByHandle.delete(handle);
    this.dirty.delete(handle);
  }

  poll(handle: Handle): number {
    this.counters.poll++;
    const l = this.listenerByHandle.get(handle);
    if (l !== undefined) return l.pending.length > 0 ? READABLE : 0;
    const c = this.connByHandle.get(handle);
    if (c === undefined || !c.accepted) return 0;
    return c.state.poll(c.outbound.room);
  }

  readable(handle: Handle): number {
    const l = this.listenerByHandle.get(handle);
    if (l !== undefined) return l.pending.length;
    return this.connByHandle.get(handle)?.state.inbound.length ?? 0;
  }

  pollSizes(handle: Handle, out: PollSizes): void {
    const l = this.listenerByHandle.get(handle);
    if (l !== undefined) {
      out.bits = l.pending.length > 0 ? READABLE : 0;
      out.toRead = l.pending.length;
      out.toWrite = 0;
      return;
    }
    const c = this.connByHandle.get(handle);
    if (c === undefined || !c.accepted) {
      out.bits = out.toRead = out.toWrite = 0;
      return;
    }
    c.state.sizes(c.outbound.room, out);
  }

  wait(timeoutMs: number): void {
    this.counters.wait++;
    this.settleConnects();
    this.pumpPipes();
    if (this.dirty.size === 0 && !this.woken) {
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
      this.settleConnects();
      this.pumpPipes();
    }
    this.woken = false;
    this.report();
  }

  end(): void {}

  // ---- SocketOpening -------------------------------------------------------

  open(family: 4 | 6): Handle | number {
    const handle = this.nextHandle++;
    this.opened.set(handle, { family, bound: null });
    return handle;
  }

  bind(handle: Handle, address: SocketAddress): number {
    const o = this.opened.get(handle);
    if (o === undefined || o.bound !== null) return -ERRNO_INVAL;
    if (!isLocal(address.host)) return -ERRNO_ADDRNOTAVAIL;
    const at = { ...address, port: address.port === 0 ? this.ephemeralPort() : address.port };
    if (this.boundAddresses().some((b) => b.port === at.port && (reaches(at, b) || reaches(b, at)))) return -ERRNO_ADDRINUSE;
    o.bound = at;
    return 0;
  }

  listen(handle: Handle, backlog: number): number {
    const o = this.opened.get(handle);
    if (o === undefined) return -ERRNO_INVAL;
    if (o.bound === null) {
      const r = this.bind(handle, { family: o.family, host: wildcardHost(o.family), port: 0 });
      if (r < 0) return r;
    }
    this.opened.delete(handle);
    this.listenerByHandle.set(handle, new Listener(handle, o.bound!, Math.min(backlog, this.backlog)));
    return 0;
  }

  dial(handle: Handle, address: SocketAddress): number {
    const o = this.opened.get(handle);
    if (o === undefined) return -ERRNO_INVAL;
    this.opened.delete(handle);
    const conn = new Conn(handle, this.option(handle, 'recv-buffer'));
    conn.outbound.capacity = this.option(handle, 'send-buffer');
    conn.accepted = true;
    conn.local = o.bound ?? { family: o.family, host: loopbackHost(o.family), port: this.ephemeralPort() };
    if (conn.local.host === wildcardHost(o.family)) conn.local = { ...conn.local, host: loopbackHost(o.family) };
    conn.peer = { ...address };
    conn.state.connectStarted();
    this.connByHandle.set(handle, conn);
    this.connecting.set(handle, address);
    return -ERRNO_INPROGRESS;
  }

  socketError(handle: Handle): number {
    return this.connByHandle.get(handle)?.state.takeError() ?? 0;
  }

  localAddress(handle: Handle): SocketAddress | number {
    const o = this.opened.get(handle);
    if (o !== undefined) return o.bound !== null ? { ...o.bound } : { family: o.family, host: wildcardHost(o.family), port: 0 };
    const l = this.listenerByHandle.get(handle);
    if (l !== undefined) return { ...l.address };
    const c = this.connByHandle.get(handle);
    return c === undefined ? -ERRNO_BADF : { ...c.local };
  }

  peerAddress(handle: Handle): SocketAddress | number {
    const c = this.connByHandle.get(handle);
    if (c === undefined || !c.accepted) return this.isOpen(handle) ? -ERRNO_NOTCONN : -ERRNO_BADF;
    return c.reset || c.state.connecting ? -ERRNO_NOTCONN : { ...c.peer };
  }

  setOption(handle: Handle, option: SocketOption, value: number): number {
    if (!this.isOpen(handle)) return -ERRNO_BADF;
    let options = this.options.get(handle);
    if (options === undefined) this.options.set(handle, (options = new Map()));
    options.set(option, value);
    // Buffer sizes bound this connection's queues from now on.
    const c = this.connByHandle.get(handle);
    if (c !== undefined && option === 'recv-buffer') c.bufferSize = value;
    if (c !== undefined && option === 'send-buffer') c.outbound.capacity = value;
    return 0;
  }

  getOption(handle: Handle, option: SocketOption): number {
    return this.isOpen(handle) ? this.option(handle, option) : -ERRNO_BADF;
  }

  // ---- internals -----------------------------------------------------------

  private option(handle: Handle, option: SocketOption): number {
    const c = this.connByHandle.get(handle);
    if (c !== undefined && option === 'recv-buffer') return c.bufferSize;
    if (c !== undefined && option === 'send-buffer') return c.outbound.capacity;
    return this.options.get(handle)?.get(option) ?? (option === 'recv-buffer' || option === 'send-buffer' ? this.bufferSize : 0);
  }

  private ephemeralPort(): number {
    if (this.nextPort > 65535) this.nextPort = FIRST_EPHEMERAL_PORT;
    return this.nextPort++;
  }

  private toAddress({ host, port }: { host: string; port: number }): SocketAddress {
    const canonical = host === 'localhost' ? '127.0.0.1' : canonicalIp(host);
    if (canonical === null) throw new Error(`the memory network has IP addresses only, got ${JSON.stringify(host)}`);
    return { family: canonical.includes(':') ? 6 : 4, host: canonical, port };
  }

  private boundAddresses(): SocketAddress[] {
    const bound: SocketAddress[] = [];
    for (const o of this.opened.values()) if (o.bound !== null) bound.push(o.bound);
    for (const l of this.listenerByHandle.values()) bound.push(l.address);
    return bound;
  }

  /** Connects under way reach a server of the test's, a listener of the module's, or nothing (refused). */
  private settleConnects(): void {
    for (const [handle, address] of Array.from(this.connecting)) {
      const conn = this.connByHandle.get(handle);
      if (conn === undefined) {
        this.connecting.delete(handle);
        continue;
      }
      const server = this.servers.get(key(address));
      if (server !== undefined && !server.closed) {
        if (server.holding) continue;
        this.connecting.delete(handle);
        conn.state.connected();
        server.connections.push(new MemoryClient(this, conn));
      } else {
        this.connecting.delete(handle);
        const listener = Array.from(this.listenerByHandle.values()).find((l) => reaches(address, l.address));
        const other = listener === undefined ? null : this.connect(listener.handle);
        if (other === null) conn.state.failed(ERRNO_CONNREFUSED);
        else {
          conn.state.connected();
          const otherConn = this.connByHandle.get(other.handle)!;
          otherConn.peer = { ...conn.local };
          otherConn.local = { ...address };
          this.pipes.add(new Pipe(new MemoryClient(this, conn), other));
        }
      }
      this.readinessChanged(handle);
    }
  }

  private pumpPipes(): void {
    for (const pipe of this.pipes) {
      pipe.pump();
      if (pipe.done) this.pipes.delete(pipe);
    }
  }

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
