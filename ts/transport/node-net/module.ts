// The module half of the node:net transport: a SocketTransport for the host on
// the module's thread. The sockets live on the owner's thread (owner.ts); this
// side keeps a SocketState per connection, built from the owner's news, and
// answers the host synchronously from it.
//
// The module's thread never returns to its event loop while the module runs,
// so the owner's messages are taken with receiveMessageOnPort, and blocking is
// an Atomics.wait on the shared sequence word, which the owner bumps after
// every batch. Requests to the owner (writes, shutdowns, closes, credits) are
// batched and posted at every wait() (the host calls wait(0) at the top of each
// poll_oneoff and epoll_wait, so a busy module flushes once per round), or when
// enough bytes piled up.

import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { ERRNO_AGAIN, ERRNO_BADF, ERRNO_INPROGRESS, ERRNO_INVAL, ERRNO_NOTCONN, ERRNO_TIMEDOUT } from '../../wasi/defs.js';
import { wildcardHost, type SocketAddress } from '../address.js';
import { gatherCopy, ioLength } from '../io-list.js';
import { counters } from '../counters.js';
import { SocketState } from '../socket-state.js';
import {
  FAILED,
  PEER_CLOSED,
  READABLE,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  type Handle,
  type IoList,
  type ModuleHalfInit,
  type PollSizes,
  type SocketOption,
  type SocketTransport,
} from '../types.js';
import {
  ASK_ACCEPT,
  ASK_CLOSE,
  ASK_CONNECT,
  ASK_CREDIT,
  ASK_END,
  ASK_LISTEN,
  ASK_OPTION,
  ASK_SHUTDOWN,
  ASK_WAKE_ON_ROOM,
  ASK_WRITE,
  Batch,
  decodeAddress,
  encodeRequest,
  NEWS_ADDRESSES,
  NEWS_BYTES,
  NEWS_CONNECTED,
  NEWS_CONNECTION,
  NEWS_ERROR,
  NEWS_FLUSHED,
  NEWS_GONE,
  NEWS_LISTEN_FAILED,
  NEWS_LISTENING,
  NEWS_NAMES,
  NEWS_PEER_FIN,
  NEWS_SPARE,
  SEQ,
  SPARE_BYTES,
  type NodeNetLimits,
  type NodeNetModuleInit,
  type OptionRequest,
} from './wire.js';

/** Outbound bytes that make the module half post its batch without waiting to block. */
const OUT_BATCH_BYTES = 64 * 1024;
/** Spare outbound buffers kept at most (NEWS_SPARE); more are left to the GC. */
const MAX_SPARES = 32;
/** Handles of the sockets the module opens start here, above any the owner numbers. */
const FIRST_OWN_HANDLE = 2 ** 30;
/** listen() waits this long at most for the owner's answer (it comes within a turn of its event loop). */
const LISTEN_ANSWER_MS = 10_000;

/** A socket the module opened that neither listens nor connects yet: bound only here (node:net binds when it listens or connects). */
interface Opened {
  family: 4 | 6;
  bound: SocketAddress | null;
}

const wildcard = (family: 4 | 6): SocketAddress => ({ family, host: wildcardHost(family), port: 0 });
/** Options the owner applies to its socket (the others are kept here). */
const OWNER_OPTIONS: ReadonlySet<SocketOption> = new Set(['no-delay', 'keep-alive', 'recv-buffer']);

class PendingConnections {
  readonly pending: Handle[] = [];
  head = 0;
  /** The listener failed (its error, as a WASI errno); accept() reports it. */
  error = 0;

  get count(): number {
    return this.pending.length - this.head;
  }

  shift(): Handle {
    const handle = this.pending[this.head++]!;
    // Compact now and then so a burst of connections costs O(1) per accept.
    if (this.head >= 1024 && this.head * 2 >= this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
    return handle;
  }
}

class Connection {
  readonly state = new SocketState();
  /** Bytes accepted by send() that the owner has not yet handed to the kernel. */
  unflushed = 0;
  /** Bytes consumed by recv() not yet credited back to the owner. */
  uncredited = 0;
  /** ASK_WAKE_ON_ROOM was sent and no NEWS_FLUSHED has come since. */
  wantsRoom = false;

  constructor(
    /** Bytes send() accepts beyond what the owner has written (SO_SNDBUF). */
    public outboundLimit: number,
  ) {}
}

export class NodeNetTransport implements SocketTransport {
  readonly listeners: readonly Handle[];
  onChange: ((handle: Handle) => void) | null = null;

  private readonly port: MessagePort;
  private readonly wakeWord: Int32Array;
  private readonly limits: NodeNetLimits;
  private readonly creditBatch: number;
  private readonly handles = new Map<Handle, Connection | PendingConnections>();
  private readonly asks = new Batch();
  private readonly spares: ArrayBuffer[] = [];
  /** Sockets the module opened, until they listen or connect. */
  private readonly opened = new Map<Handle, Opened>();
  /** Where each listener listens (the owner's, from init; the module's, once listening). */
  private readonly listening = new Map<Handle, SocketAddress>();
  /** Connections' addresses (NEWS_ADDRESSES), as encodeAddresses() made them. */
  private readonly addresses = new Map<Handle, Uint8Array>();
  /** Answers to ASK_LISTEN: the port, or minus the errno. */
  private readonly listenAnswers = new Map<Handle, number>();
  /** Options the module set, by handle. */
  private readonly options = new Map<Handle, Map<SocketOption, number>>();
  private nextOwnHandle = FIRST_OWN_HANDLE;
  private seq = 0;
  private ended = false;

  constructor(init: NodeNetModuleInit) {
    this.port = init.port;
    this.wakeWord = new Int32Array(init.wake);
    this.limits = init.limits;
    this.creditBatch = Math.max(1, Math.min(64 * 1024, Math.floor(init.limits.inbound / 4)));
    this.listeners = [...init.listeners];
    for (const handle of init.listeners) this.handles.set(handle, new PendingConnections());
    init.addresses.forEach((address, i) => this.listening.set(init.listeners[i]!, address));
  }

  accept(listener: Handle): Handle | number {
    const l = this.handles.get(listener);
    if (!l) return -ERRNO_BADF;
    if (!(l instanceof PendingConnections)) return -ERRNO_INVAL;
    if (l.error) return -l.error;
    if (l.count === 0) this.sync();
    if (l.count === 0) return -ERRNO_AGAIN;
    const handle = l.shift();
    this.asks.push(ASK_ACCEPT, handle, 0);
    return handle;
  }

  recv(conn: Handle, into: IoList, peek: boolean): number {
    const c = this.connection(conn);
    if (typeof c === 'number') return c;
    if (c.state.inbound.length === 0) this.sync();
    const n = c.state.recv(into, peek);
    if (n > 0) {
      counters?.add('copy.chunk_to_wasm');
      counters?.add('copy.chunk_to_wasm.bytes', n);
      if (!peek) this.credit(conn, c, n);
    }
    return n;
  }

  send(conn: Handle, from: IoList): number {
    const c = this.connection(conn);
    if (typeof c === 'number') return c;
    const check = c.state.sendCheck();
    if (check < 0) return check;
    const total = ioLength(from);
    if (total === 0) return 0;
    const room = this.roomFor(conn, c);
    if (room <= 0) return -ERRNO_AGAIN;
    const n = Math.min(total, room);
    // The only copy on the way out: module memory into a buffer the owner can
    // own (so never a view into a pool). A large send reuses a spare (at most
    // 2x the bytes it carries); a small one gets a buffer of its size, not
    // zero-filled first since every byte is written.
    const bytes =
      n >= SPARE_BYTES / 2 && n <= SPARE_BYTES
        ? new Uint8Array(this.spares.pop() ?? new ArrayBuffer(SPARE_BYTES), 0, n)
        : Buffer.allocUnsafeSlow(n);
    gatherCopy(from, n, bytes);
    counters?.add('copy.wasm_to_out');
    counters?.add('copy.wasm_to_out.bytes', n);
    c.unflushed += n;
    this.asks.push(ASK_WRITE, conn, bytes);
    if (this.asks.bytes >= OUT_BATCH_BYTES) this.flush();
    return n;
  }

  shutdown(conn: Handle, how: number): number {
    const c = this.connection(conn);
    if (typeof c === 'number') return c;
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) return -ERRNO_INVAL;
    const check = c.state.shutdownCheck();
    if (check < 0) return check;
    if (c.state.gone) return -ERRNO_NOTCONN;
    const dropped = how & SHUT_RD ? c.state.inbound.length : 0;
    c.state.shutdown(how);
    if (dropped > 0) this.credit(conn, c, dropped);
    this.asks.push(ASK_SHUTDOWN, conn, how);
    return 0;
  }

  close(handle: Handle): void {
    this.options.delete(handle);
    this.addresses.delete(handle);
    this.listening.delete(handle);
    if (this.opened.delete(handle)) return;
    const state = this.handles.get(handle);
    if (!state) return;
    this.handles.delete(handle);
    if (state instanceof PendingConnections) {
      // Connections still waiting for accept() die with their listener (the owner resets them).
      for (let i = state.head; i < state.pending.length; i++) this.handles.delete(state.pending[i]!);
      this.asks.push(ASK_CLOSE, handle, 0);
      return;
    }
    // The owner resets a connection closed with input unconsumed (as close(2)
    // does), so it must know exactly what was consumed.
    if (state.uncredited > 0) this.asks.push(ASK_CREDIT, handle, state.uncredited);
    this.asks.push(ASK_CLOSE, handle, 0);
  }

  poll(handle: Handle): number {
    const state = this.handles.get(handle);
    if (!state) return 0;
    if (state instanceof PendingConnections) {
      // A failed listener hangs up; accept() reports its error.
      if (state.error !== 0) return READABLE | PEER_CLOSED | FAILED;
      return state.count > 0 ? READABLE : 0;
    }
    return state.state.poll(state.state.sendFails ? 0 : this.roomFor(handle, state));
  }

  readable(handle: Handle): number {
    const state = this.handles.get(handle);
    if (!state) return 0;
    return state instanceof PendingConnections ? state.count : state.state.inbound.length;
  }

  pollSizes(handle: Handle, out: PollSizes): void {
    const state = this.handles.get(handle);
    if (state instanceof Connection) {
      state.state.sizes(state.state.sendFails ? 0 : Math.max(0, this.roomFor(handle, state)), out);
      return;
    }
    out.bits = state === undefined ? 0 : this.poll(handle);
    out.toRead = state === undefined ? 0 : state.count;
    out.toWrite = 0;
  }

  wait(timeoutMs: number): void {
    counters?.add(timeoutMs === 0 ? 'transport_wait.poll' : 'transport_wait.block');
    this.flush();
    const seq = Atomics.load(this.wakeWord, SEQ);
    if (seq !== this.seq) {
      this.seq = seq;
      // News, or the owner's wake(): either way the host should look again.
      this.drain();
      return;
    }
    if (timeoutMs === 0) return;
    const slept = Atomics.wait(this.wakeWord, SEQ, seq, timeoutMs < 0 ? Infinity : timeoutMs);
    counters?.add(`atomics_wait.${slept}`);
    this.sync();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.asks.push(ASK_END, 0, 0);
    this.flush();
    this.port.close();
  }

  // ---- sockets the module opens --------------------------------------------
  //
  // node:net has no socket without a connection or a server: a socket the
  // module opens is only a handle here until it listens (a net.Server on the
  // owner, asked for and answered before listen() returns, so that an
  // address in use is listen's EADDRINUSE) or connects (net.connect on the
  // owner, whose outcome comes as NEWS_CONNECTED or NEWS_ERROR). bind()
  // only records the address: it is used, and checked, by that listen or
  // connect.

  open(family: 4 | 6): Handle | number {
    const handle = this.nextOwnHandle++;
    this.opened.set(handle, { family, bound: null });
    return handle;
  }

  bind(handle: Handle, address: SocketAddress): number {
    const o = this.opened.get(handle);
    if (o === undefined || o.bound !== null) return this.handles.has(handle) ? -ERRNO_INVAL : -ERRNO_BADF;
    o.bound = { ...address };
    return 0;
  }

  listen(handle: Handle, backlog: number): number {
    const o = this.opened.get(handle);
    if (o === undefined) return this.handles.has(handle) ? -ERRNO_INVAL : -ERRNO_BADF;
    this.asks.push(ASK_LISTEN, handle, encodeRequest({ address: o.bound ?? wildcard(o.family), backlog }));
    this.flush();
    const deadline = performance.now() + LISTEN_ANSWER_MS;
    for (;;) {
      this.sync();
      const answer = this.listenAnswers.get(handle);
      if (answer !== undefined) {
        this.listenAnswers.delete(handle);
        return answer < 0 ? answer : 0;
      }
      const left = deadline - performance.now();
      if (left <= 0) return -ERRNO_TIMEDOUT;
      Atomics.wait(this.wakeWord, SEQ, this.seq, left);
    }
  }

  dial(handle: Handle, address: SocketAddress): number {
    const o = this.opened.get(handle);
    if (o === undefined) return this.handles.has(handle) ? -ERRNO_INVAL : -ERRNO_BADF;
    this.opened.delete(handle);
    const c = new Connection(this.options.get(handle)?.get('send-buffer') ?? this.limits.outbound);
    c.state.connectStarted();
    this.handles.set(handle, c);
    this.asks.push(ASK_CONNECT, handle, encodeRequest({ address, local: o.bound }));
    // Options set before the connect apply to the owner's socket once it exists.
    for (const [option, value] of this.options.get(handle) ?? []) {
      if (OWNER_OPTIONS.has(option)) this.asks.push(ASK_OPTION, handle, encodeRequest({ option, value } as OptionRequest));
    }
    this.flush();
    return -ERRNO_INPROGRESS;
  }

  socketError(handle: Handle): number {
    const c = this.handles.get(handle);
    return c instanceof Connection ? c.state.takeError() : 0;
  }

  localAddress(handle: Handle): SocketAddress | number {
    const o = this.opened.get(handle);
    if (o !== undefined) return { ...(o.bound ?? wildcard(o.family)) };
    const listening = this.listening.get(handle);
    if (listening !== undefined) return { ...listening };
    const c = this.handles.get(handle);
    if (c === undefined) return -ERRNO_BADF;
    const bytes = this.addresses.get(handle);
    return (bytes !== undefined ? decodeAddress(bytes, 0) : null) ?? -ERRNO_NOTCONN;
  }

  peerAddress(handle: Handle): SocketAddress | number {
    const c = this.handles.get(handle);
    if (c === undefined) return this.opened.has(handle) ? -ERRNO_NOTCONN : -ERRNO_BADF;
    if (!(c instanceof Connection) || c.state.connecting || c.state.error !== 0) return -ERRNO_NOTCONN;
    const bytes = this.addresses.get(handle);
    return (bytes !== undefined ? decodeAddress(bytes, 1) : null) ?? -ERRNO_NOTCONN;
  }

  setOption(handle: Handle, option: SocketOption, value: number): number {
    const c = this.handles.get(handle);
    if (c === undefined && !this.opened.has(handle)) return -ERRNO_BADF;
    let options = this.options.get(handle);
    if (options === undefined) this.options.set(handle, (options = new Map()));
    options.set(option, value);
    if (c instanceof Connection) {
      if (option === 'send-buffer') c.outboundLimit = value;
      if (OWNER_OPTIONS.has(option)) this.asks.push(ASK_OPTION, handle, encodeRequest({ option, value } as OptionRequest));
    }
    return 0;
  }

  getOption(handle: Handle, option: SocketOption): number {
    const c = this.handles.get(handle);
    if (c === undefined && !this.opened.has(handle)) return -ERRNO_BADF;
    const set = this.options.get(handle)?.get(option);
    if (set !== undefined) return set;
    switch (option) {
      case 'reuse-addr':
        // node:net's servers set SO_REUSEADDR (libuv does, on every listener).
        return c instanceof PendingConnections ? 1 : 0;
      case 'no-delay':
        // The owner's servers accept with noDelay; a dialled socket starts without it, as connect(2)'s.
        return c instanceof Connection && handle < FIRST_OWN_HANDLE ? 1 : 0;
      case 'keep-alive':
        return 0;
      case 'recv-buffer':
        return this.limits.inbound;
      case 'send-buffer':
        return c instanceof Connection ? c.outboundLimit : this.limits.outbound;
    }
  }

  // ---- internals -----------------------------------------------------------

  private connection(handle: Handle): Connection | number {
    const c = this.handles.get(handle);
    if (!c) return -ERRNO_BADF;
    if (!(c instanceof Connection)) return -ERRNO_NOTCONN;
    return c;
  }

  private credit(handle: Handle, c: Connection, n: number): void {
    c.uncredited += n;
    if (c.uncredited >= this.creditBatch) {
      this.asks.push(ASK_CREDIT, handle, c.uncredited);
      c.uncredited = 0;
    }
  }

  /**
   * Room left under the outbound limit. When there is none, the owner is
   * told, so that flushing this connection wakes the module's thread: it is
   * not woken for flushes otherwise (most of them matter to nobody).
   */
  private roomFor(handle: Handle, c: Connection): number {
    const room = c.outboundLimit - c.unflushed;
    if (room > 0) return room;
    if (!c.wantsRoom) {
      c.wantsRoom = true;
      this.asks.push(ASK_WAKE_ON_ROOM, handle, 0);
    }
    return 0;
  }

  /** Posts the batched requests to the owner now. */
  private flush(): void {
    if (this.asks.empty) return;
    const { items, transfer } = this.asks.take();
    this.port.postMessage(items, transfer);
    counters?.add('msg.posted');
    counters?.add('msg.posted.triples', items.length / 3);
  }

  /** Takes the owner's news if any were posted since the last look. */
  private sync(): void {
    const seq = Atomics.load(this.wakeWord, SEQ);
    if (seq !== this.seq) {
      this.seq = seq;
      this.drain();
    }
  }

  private drain(): void {
    for (;;) {
      const message = receiveMessageOnPort(this.port);
      if (message === undefined) return;
      counters?.add('msg.taken');
      const items = message.message as (number | Uint8Array)[];
      for (let i = 0; i + 2 < items.length; i += 3) this.apply(items[i] as number, items[i + 1] as Handle, items[i + 2]!);
    }
  }

  private apply(kind: number, handle: Handle, arg: number | Uint8Array): void {
    counters?.add(`news.${NEWS_NAMES[kind]}`);
    if (kind === NEWS_ADDRESSES) {
      this.addresses.set(handle, arg as Uint8Array);
      return;
    }
    if (kind === NEWS_LISTENING || kind === NEWS_LISTEN_FAILED) {
      const opened = this.opened.get(handle);
      if (opened === undefined) return; // closed while the owner set it up; the owner closes it with the handle
      this.listenAnswers.set(handle, kind === NEWS_LISTENING ? (arg as number) : -(arg as number));
      if (kind === NEWS_LISTENING) {
        // Connections may follow in this very batch: the listener exists from now on.
        this.opened.delete(handle);
        this.handles.set(handle, new PendingConnections());
        this.listening.set(handle, { ...(opened.bound ?? wildcard(opened.family)), port: arg as number });
      }
      return;
    }
    if (kind === NEWS_SPARE) {
      if (this.spares.length < MAX_SPARES) this.spares.push((arg as Uint8Array).buffer as ArrayBuffer);
      return;
    }
    if (kind === NEWS_CONNECTION) {
      const listener = this.handles.get(arg as Handle);
      if (!(listener instanceof PendingConnections)) return; // closed meanwhile; the owner resets the socket
      this.handles.set(handle, new Connection(this.limits.outbound));
      listener.pending.push(handle);
      this.onChange?.(arg as Handle);
      return;
    }
    const target = this.handles.get(handle);
    if (!target) return; // closed by the module; late news means nothing now
    if (target instanceof PendingConnections) {
      if (kind === NEWS_ERROR) target.error = arg as number;
      this.onChange?.(handle);
      return;
    }
    const state = target.state;
    switch (kind) {
      case NEWS_BYTES:
        // After SHUT_RD the bytes are dropped, but still credited so the owner keeps reading.
        if (!state.arrived(arg as Uint8Array)) this.asks.push(ASK_CREDIT, handle, (arg as Uint8Array).byteLength);
        break;
      case NEWS_PEER_FIN:
        state.peerFin = true;
        break;
      case NEWS_ERROR:
        state.failed(arg as number);
        break;
      case NEWS_FLUSHED:
        target.unflushed -= arg as number;
        target.wantsRoom = false;
        break;
      case NEWS_GONE:
        state.gone = true;
        break;
      case NEWS_CONNECTED:
        state.connected();
        break;
    }
    this.onChange?.(handle);
  }
}

/** The kind's OpenModuleHalf: `init` is what NodeNetOwner.moduleInit() made. */
export function openNodeNetModuleHalf(init: ModuleHalfInit): NodeNetTransport {
  return new NodeNetTransport(init as NodeNetModuleInit);
}
