// The module half of the virtual network: a SocketTransport for the host on
// the module's thread, over the shared memory described in layout.ts. Bytes
// go straight between the rings and the module's memory (one copy each way);
// the socket rules are SocketState's, with the inbound ring as its queue.
//
// It blocks with Atomics.wait on MODULE_SEQ. What the owner must learn (bytes
// sent, bytes consumed while it waits for room, a shutdown, a close) goes on
// the owner's change queue at once; the owner is woken at the next wait(),
// which the host calls at the top of every poll_oneoff and epoll_wait, or at
// once when the owner is blocked on this side (a full ring either way).

import { ERRNO_AGAIN, ERRNO_BADF, ERRNO_CONNRESET, ERRNO_INVAL, ERRNO_NOTCONN, ERRNO_NOTSUP } from '../../wasi/defs.js';
import type { SocketAddress } from '../address.js';
import { ioLength } from '../io-list.js';
import { SocketState, type InboundBytes } from '../socket-state.js';
import { READABLE, SHUT_RD, SHUT_RDWR, SHUT_WR, type Handle, type IoList, type ModuleHalfInit, type SocketOption, type SocketTransport } from '../types.js';
import { P_CLOSED, P_FIN, P_RESET, S_CLOSED, S_RESET, S_SHUT_RD, S_SHUT_WR, type VirtualModuleInit } from './layout.js';
import type { ByteRing } from './ring.js';
import { SharedNetwork } from './shared-network.js';

/** A connection's inbound ring, read as SocketState reads its queue. */
class InboundRing implements InboundBytes {
  constructor(
    private readonly net: VirtualModuleHalf,
    private readonly c: Connection,
  ) {}

  get length(): number {
    return this.c.inbound.fill;
  }

  append(): void {
    throw new Error('virtual network: the owner writes inbound bytes into the ring; nothing is appended');
  }

  copyOut(into: IoList, peek: boolean): number {
    const n = this.c.inbound.read(into, peek);
    if (!peek && n > 0) this.net.consumed(this.c);
    return n;
  }

  clear(): void {
    this.c.inbound.drop();
    this.net.consumed(this.c);
  }
}

class Connection {
  readonly state: SocketState<InboundRing>;
  readonly inbound: ByteRing;
  readonly outbound: ByteRing;
  /** PEER bits already applied to the state. */
  peerSeen = 0;

  constructor(
    half: VirtualModuleHalf,
    net: SharedNetwork,
    readonly slot: number,
  ) {
    this.inbound = net.inbound(slot);
    this.outbound = net.outbound(slot);
    this.state = new SocketState(new InboundRing(half, this));
  }
}

export class VirtualModuleHalf implements SocketTransport {
  /**
   * Open until close() sets a listener's shared closed flag. Only this half
   * writes that flag, so it is the one record of which are open.
   */
  readonly listeners: readonly Handle[];
  onChange: ((handle: Handle) => void) | null = null;

  private readonly net: SharedNetwork;
  private readonly conns = new Map<Handle, Connection>();
  private seen: number;
  /** Something was put on the owner's queue since it was last woken. */
  private ownerNews = false;
  private ended = false;

  constructor(init: VirtualModuleInit) {
    this.net = new SharedNetwork(init.net, init.shape);
    const listeners: Handle[] = [];
    for (let i = 0; i < this.net.layout.shape.listeners; i++) listeners.push(this.net.layout.listenerHandle(i));
    this.listeners = listeners;
    this.seen = this.net.moduleSeq();
  }

  accept(listener: Handle): Handle | number {
    const index = this.net.layout.listenerOf(listener);
    if (index < 0 || this.net.listenerClosed(index)) return this.conns.has(listener) ? -ERRNO_INVAL : -ERRNO_BADF;
    const slot = this.net.popPending(index);
    if (slot < 0) return -ERRNO_AGAIN;
    const handle = this.net.layout.connectionHandle(slot);
    this.conns.set(handle, new Connection(this, this.net, slot));
    return handle;
  }

  recv(handle: Handle, into: IoList, peek: boolean): number {
    const c = this.connection(handle);
    if (typeof c === 'number') return c;
    this.sync(c);
    return c.state.recv(into, peek);
  }

  send(handle: Handle, from: IoList): number {
    const c = this.connection(handle);
    if (typeof c === 'number') return c;
    this.sync(c);
    const check = c.state.sendCheck();
    if (check < 0) return check;
    const total = ioLength(from);
    if (total === 0) return 0;
    const room = c.outbound.room();
    if (room === 0) return -ERRNO_AGAIN;
    const n = Math.min(total, room);
    c.outbound.write(from, n);
    this.tellOwner(c.slot);
    // A ring half full: the owner should start reading now, not at our next wait.
    const cap = c.outbound.capacity;
    if (cap - room + n >= cap / 2) this.flush();
    return n;
  }

  shutdown(handle: Handle, how: number): number {
    const c = this.connection(handle);
    if (typeof c === 'number') return c;
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) return -ERRNO_INVAL;
    this.sync(c);
    if (c.state.gone) return -ERRNO_NOTCONN;
    c.state.shutdown(how);
    this.net.addSelf(c.slot, (how & SHUT_RD ? S_SHUT_RD : 0) | (how & SHUT_WR ? S_SHUT_WR : 0));
    this.tellOwner(c.slot);
    return 0;
  }

  close(handle: Handle): void {
    const index = this.net.layout.listenerOf(handle);
    if (index >= 0) {
      if (this.net.listenerClosed(index)) return;
      // The owner resets the connections still waiting (it drains the queue from now on).
      this.net.closeListener(index);
      this.ownerNews = true;
      return;
    }
    const c = this.conns.get(handle);
    if (c === undefined) return;
    this.conns.delete(handle);
    // close(2) with input left unread resets the connection.
    const unread = !c.state.readShut && c.inbound.fill > 0;
    this.net.addSelf(c.slot, S_CLOSED | (unread ? S_RESET : 0));
    this.tellOwner(c.slot);
  }

  poll(handle: Handle): number {
    const index = this.net.layout.listenerOf(handle);
    if (index >= 0) return !this.net.listenerClosed(index) && this.net.pending(index) > 0 ? READABLE : 0;
    const c = this.conns.get(handle);
    if (c === undefined) return 0;
    this.sync(c);
    return c.state.poll(c.state.sendFails ? 0 : c.outbound.room());
  }

  readable(handle: Handle): number {
    const index = this.net.layout.listenerOf(handle);
    if (index >= 0) return this.net.listenerClosed(index) ? 0 : this.net.pending(index);
    const c = this.conns.get(handle);
    return c === undefined || c.state.readShut ? 0 : c.inbound.fill;
  }

  writable(handle: Handle): number {
    const c = this.conns.get(handle);
    if (c === undefined) return 0;
    this.sync(c);
    return c.state.sendFails ? 0 : c.outbound.room();
  }

  wait(timeoutMs: number): void {
    this.flush();
    const seq = this.net.moduleSeq();
    if (seq === this.seen && timeoutMs !== 0) this.net.sleepModule(seq, timeoutMs < 0 ? Infinity : timeoutMs);
    const now = this.net.moduleSeq();
    if (now === this.seen) return;
    this.seen = now;
    for (let handle = this.net.takeForModule(); handle >= 0; handle = this.net.takeForModule()) {
      this.onChange?.(handle);
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.net.end();
    this.ownerNews = true;
    this.flush();
  }

  // ---- sockets the module opens: not on this network yet ----------------------

  open(): Handle | number {
    return -ERRNO_NOTSUP;
  }

  bind(): number {
    return -ERRNO_BADF;
  }

  listen(): number {
    return -ERRNO_BADF;
  }

  dial(): number {
    return -ERRNO_BADF;
  }

  socketError(handle: Handle): number {
    const c = this.conns.get(handle);
    if (c === undefined) return 0;
    this.sync(c);
    return c.state.takeError();
  }

  localAddress(): SocketAddress | number {
    return -ERRNO_NOTSUP;
  }

  peerAddress(): SocketAddress | number {
    return -ERRNO_NOTSUP;
  }

  setOption(_handle: Handle, _option: SocketOption): number {
    return -ERRNO_NOTSUP;
  }

  getOption(_handle: Handle, _option: SocketOption): number {
    return -ERRNO_NOTSUP;
  }

  /** For InboundRing: bytes were taken from the inbound ring. */
  consumed(c: Connection): void {
    if (!c.inbound.takeRoomRequest()) return;
    this.tellOwner(c.slot);
    // The owner's writer is blocked on us: wake it now, not at our next wait.
    this.flush();
  }

  // ---- internals -----------------------------------------------------------------

  private connection(handle: Handle): Connection | number {
    const c = this.conns.get(handle);
    if (c !== undefined) return c;
    const index = this.net.layout.listenerOf(handle);
    return index >= 0 && !this.net.listenerClosed(index) ? -ERRNO_NOTCONN : -ERRNO_BADF;
  }

  /** Applies what the peer did since the last look. */
  private sync(c: Connection): void {
    const peer = this.net.peer(c.slot);
    const fresh = peer & ~c.peerSeen;
    if (fresh === 0) return;
    c.peerSeen = peer;
    if (fresh & (P_FIN | P_CLOSED)) c.state.peerFin = true;
    if (fresh & P_CLOSED) c.state.gone = true;
    if (fresh & P_RESET) {
      c.state.failed(ERRNO_CONNRESET);
      c.state.gone = true;
    }
  }

  private tellOwner(slot: number): void {
    this.net.queueForOwner(slot);
    this.ownerNews = true;
  }

  private flush(): void {
    if (!this.ownerNews) return;
    this.ownerNews = false;
    this.net.wakeOwner();
  }
}

/** The kind's OpenModuleHalf: `init` is what VirtualOwner.moduleInit() made. */
export function openVirtualModuleHalf(init: ModuleHalfInit): VirtualModuleHalf {
  return new VirtualModuleHalf(init as VirtualModuleInit);
}
