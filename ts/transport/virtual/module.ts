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

import { ERRNO_AGAIN, ERRNO_BADF, ERRNO_CONNRESET, ERRNO_INVAL, ERRNO_NOTCONN } from '../../wasi/defs.js';
import { ioLength } from '../io-list.js';
import { SocketState, type InboundBytes } from '../socket-state.js';
import { READABLE, SHUT_RD, SHUT_RDWR, SHUT_WR, type Handle, type IoList, type ModuleHalfInit, type SocketTransport } from '../types.js';
import {
  copyFromRing,
  copyIntoRing,
  ENDED,
  IN_HEAD,
  IN_TAIL,
  L_CLOSED,
  Layout,
  MODULE_SEQ,
  MODULE_WANTS_ROOM,
  OUT_HEAD,
  OUT_TAIL,
  OWNER_SEQ,
  OWNER_WANTS_ROOM,
  P_CLOSED,
  P_FIN,
  P_RESET,
  PEER,
  ringFill,
  S_CLOSED,
  S_RESET,
  S_SHUT_RD,
  S_SHUT_WR,
  SELF,
  type VirtualModuleInit,
} from './layout.js';

/** A connection's inbound ring, read as SocketState reads its queue. */
class InboundRing implements InboundBytes {
  constructor(
    private readonly net: VirtualModuleHalf,
    private readonly slot: number,
  ) {}

  get length(): number {
    return this.net.inboundFill(this.slot);
  }

  append(): void {
    throw new Error('virtual network: the owner writes inbound bytes into the ring; nothing is appended');
  }

  copyOut(into: IoList, peek: boolean): number {
    return this.net.readInbound(this.slot, into, peek);
  }

  clear(): void {
    this.net.dropInbound(this.slot);
  }
}

class Connection {
  readonly state: SocketState<InboundRing>;
  /** PEER bits already applied to the state. */
  peerSeen = 0;

  constructor(
    net: VirtualModuleHalf,
    readonly slot: number,
  ) {
    this.state = new SocketState(new InboundRing(net, slot));
  }
}

export class VirtualModuleHalf implements SocketTransport {
  readonly listeners: readonly Handle[];
  onChange: ((handle: Handle) => void) | null = null;

  private readonly layout: Layout;
  private readonly i32: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly conns = new Map<Handle, Connection>();
  private readonly openListeners = new Set<number>();
  private seen: number;
  /** Something was put on the owner's queue since it was last woken. */
  private ownerNews = false;
  private ended = false;

  constructor(init: VirtualModuleInit) {
    this.layout = new Layout(init.shape);
    // No length: the views follow the buffer as the owner grows it.
    this.i32 = new Int32Array(init.net);
    this.bytes = new Uint8Array(init.net);
    const listeners: Handle[] = [];
    for (let i = 0; i < this.layout.shape.listeners; i++) {
      this.openListeners.add(i);
      listeners.push(this.layout.listenerHandle(i));
    }
    this.listeners = listeners;
    this.seen = Atomics.load(this.i32, MODULE_SEQ);
  }

  accept(listener: Handle): Handle | number {
    const index = this.layout.listenerOf(listener);
    if (index < 0 || !this.openListeners.has(index)) return this.conns.has(listener) ? -ERRNO_INVAL : -ERRNO_BADF;
    const slot = this.layout.popPending(this.i32, index);
    if (slot < 0) return -ERRNO_AGAIN;
    const handle = this.layout.connectionHandle(slot);
    this.conns.set(handle, new Connection(this, slot));
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
    const room = this.roomFor(c.slot);
    if (room === 0) return -ERRNO_AGAIN;
    const n = Math.min(total, room);
    const { layout, i32, bytes } = this;
    const cap = layout.shape.outbound;
    const ring = layout.outboundRing(c.slot);
    const tailWord = layout.slotWord(c.slot, OUT_TAIL);
    let pos = Atomics.load(i32, tailWord);
    let left = n;
    for (let i = 0; i < from.count && left > 0; i++) {
      const take = Math.min(from.iov[2 * i + 1]!, left);
      copyIntoRing(bytes, ring, cap, pos, from.mem, from.iov[2 * i]!, take);
      pos = (pos + take) | 0;
      left -= take;
    }
    Atomics.store(i32, tailWord, pos);
    this.tellOwner(c.slot);
    // A ring half full: the owner should start reading now, not at our next wait.
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
    Atomics.or(this.i32, this.layout.slotWord(c.slot, SELF), (how & SHUT_RD ? S_SHUT_RD : 0) | (how & SHUT_WR ? S_SHUT_WR : 0));
    this.tellOwner(c.slot);
    return 0;
  }

  close(handle: Handle): void {
    const index = this.layout.listenerOf(handle);
    if (index >= 0) {
      if (!this.openListeners.delete(index)) return;
      // The owner resets the connections still waiting (it drains the queue from now on).
      Atomics.store(this.i32, this.layout.listenerWord(index, L_CLOSED), 1);
      this.ownerNews = true;
      return;
    }
    const c = this.conns.get(handle);
    if (c === undefined) return;
    this.conns.delete(handle);
    // close(2) with input left unread resets the connection.
    const unread = !c.state.readShut && this.inboundFill(c.slot) > 0;
    Atomics.or(this.i32, this.layout.slotWord(c.slot, SELF), S_CLOSED | (unread ? S_RESET : 0));
    this.tellOwner(c.slot);
  }

  poll(handle: Handle): number {
    const index = this.layout.listenerOf(handle);
    if (index >= 0) return this.openListeners.has(index) && this.layout.pending(this.i32, index) > 0 ? READABLE : 0;
    const c = this.conns.get(handle);
    if (c === undefined) return 0;
    this.sync(c);
    return c.state.poll(c.state.sendFails ? 0 : this.roomFor(c.slot));
  }

  readable(handle: Handle): number {
    const index = this.layout.listenerOf(handle);
    if (index >= 0) return this.openListeners.has(index) ? this.layout.pending(this.i32, index) : 0;
    const c = this.conns.get(handle);
    return c === undefined || c.state.readShut ? 0 : this.inboundFill(c.slot);
  }

  writable(handle: Handle): number {
    const c = this.conns.get(handle);
    if (c === undefined) return 0;
    this.sync(c);
    return c.state.sendFails ? 0 : this.roomFor(c.slot);
  }

  wait(timeoutMs: number): void {
    this.flush();
    const seq = Atomics.load(this.i32, MODULE_SEQ);
    if (seq === this.seen && timeoutMs !== 0) {
      Atomics.wait(this.i32, MODULE_SEQ, seq, timeoutMs < 0 ? Infinity : timeoutMs);
    }
    const now = Atomics.load(this.i32, MODULE_SEQ);
    if (now === this.seen) return;
    this.seen = now;
    for (let handle = this.layout.takeForModule(this.i32); handle >= 0; handle = this.layout.takeForModule(this.i32)) {
      this.onChange?.(handle);
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    Atomics.store(this.i32, ENDED, 1);
    this.ownerNews = true;
    this.flush();
  }

  // ---- for InboundRing ----------------------------------------------------------

  inboundFill(slot: number): number {
    return ringFill(this.i32, this.layout.slotWord(slot, IN_HEAD), this.layout.slotWord(slot, IN_TAIL));
  }

  readInbound(slot: number, into: IoList, peek: boolean): number {
    const { layout, i32, bytes } = this;
    const headWord = layout.slotWord(slot, IN_HEAD);
    const head = Atomics.load(i32, headWord);
    const n = Math.min(this.inboundFill(slot), ioLength(into));
    const ring = layout.inboundRing(slot);
    let pos = head;
    let left = n;
    for (let i = 0; i < into.count && left > 0; i++) {
      const take = Math.min(into.iov[2 * i + 1]!, left);
      copyFromRing(bytes, ring, layout.shape.inbound, pos, into.mem, into.iov[2 * i]!, take);
      pos = (pos + take) | 0;
      left -= take;
    }
    if (!peek && n > 0) this.consumed(slot, pos);
    return n;
  }

  dropInbound(slot: number): void {
    this.consumed(slot, Atomics.load(this.i32, this.layout.slotWord(slot, IN_TAIL)));
  }

  // ---- internals -----------------------------------------------------------------

  private connection(handle: Handle): Connection | number {
    const c = this.conns.get(handle);
    if (c !== undefined) return c;
    return this.layout.listenerOf(handle) >= 0 && this.openListeners.has(this.layout.listenerOf(handle)) ? -ERRNO_NOTCONN : -ERRNO_BADF;
  }

  /** Applies what the peer did since the last look. */
  private sync(c: Connection): void {
    const peer = Atomics.load(this.i32, this.layout.slotWord(c.slot, PEER));
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

  /** Room in the outbound ring. When there is none the owner is asked to say when it reads. */
  private roomFor(slot: number): number {
    const cap = this.layout.shape.outbound;
    const fill = () => ringFill(this.i32, this.layout.slotWord(slot, OUT_HEAD), this.layout.slotWord(slot, OUT_TAIL));
    const room = cap - fill();
    if (room > 0) return room;
    Atomics.store(this.i32, this.layout.slotWord(slot, MODULE_WANTS_ROOM), 1);
    // The owner may have read between the two looks without seeing the request.
    return cap - fill();
  }

  private consumed(slot: number, head: number): void {
    Atomics.store(this.i32, this.layout.slotWord(slot, IN_HEAD), head);
    const wants = this.layout.slotWord(slot, OWNER_WANTS_ROOM);
    if (Atomics.load(this.i32, wants) !== 0) {
      Atomics.store(this.i32, wants, 0);
      this.tellOwner(slot);
      // The owner's writer is blocked on us: wake it now, not at our next wait.
      this.flush();
    }
  }

  private tellOwner(slot: number): void {
    this.layout.queueForOwner(this.i32, slot);
    this.ownerNews = true;
  }

  private flush(): void {
    if (!this.ownerNews) return;
    this.ownerNews = false;
    Atomics.add(this.i32, OWNER_SEQ, 1);
    Atomics.notify(this.i32, OWNER_SEQ);
  }
}

/** The kind's OpenModuleHalf: `init` is what VirtualOwner.moduleInit() made. */
export function openVirtualModuleHalf(init: ModuleHalfInit): VirtualModuleHalf {
  return new VirtualModuleHalf(init as VirtualModuleInit);
}
