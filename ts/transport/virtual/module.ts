// The module half of the virtual network: a SocketTransport for the host on
// the module's thread, over the shared memory described in layout.ts. The
// module is one participant of the network: its listeners take connections
// from the page's clients and from other modules; the sockets it opens
// listen there too, or dial any listener on the network (another module's,
// its own, or a page server's). Bytes go straight between the rings and the
// module's memory (one copy each way); the socket rules are SocketState's,
// with the ring the other end writes as its queue.
//
// It blocks with Atomics.wait on its participant's wake word. What another
// participant must learn (bytes sent, bytes consumed while it waits for
// room, a shutdown, a close, a connection queued on its listener) goes on
// that participant's change queue at once; it is woken at the next wait(),
// which the host calls at the top of every poll_oneoff and epoll_wait, or at
// once when it is blocked on this side (a full ring either way).

import { ERRNO_AFNOSUPPORT, ERRNO_AGAIN, ERRNO_BADF, ERRNO_CONNREFUSED, ERRNO_CONNRESET, ERRNO_INPROGRESS, ERRNO_INVAL, ERRNO_NOTCONN } from '../../wasi/defs.js';
import { loopbackHost, wildcardHost, type SocketAddress } from '../address.js';
import { ioLength } from '../io-list.js';
import { SocketState, type InboundBytes } from '../socket-state.js';
import {
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
import { B_CLOSED, B_FIN, B_RESET, B_SHUT_RD, P_ENDED, type VirtualModuleInit } from './layout.js';
import type { ByteRing } from './ring.js';
import { SharedNetwork, type NetAddress } from './shared-network.js';

/** The page is always the network's participant 0: it learns that a module ended. */
const PAGE = 0;

/** The ring the other end writes, read as SocketState reads its queue. */
class InboundRing implements InboundBytes {
  constructor(
    private readonly half: VirtualModuleHalf,
    private readonly c: Connection,
  ) {}

  get length(): number {
    return this.c.inbound.fill;
  }

  append(): void {
    throw new Error('virtual network: the other end writes inbound bytes into the ring; nothing is appended');
  }

  copyOut(into: IoList, peek: boolean): number {
    const n = this.c.inbound.read(into, peek);
    if (!peek && n > 0) this.half.consumed(this.c);
    return n;
  }

  clear(): void {
    this.c.inbound.drop();
    this.half.consumed(this.c);
  }
}

/** The module's end of a connection: end 1 of one it accepted, end 0 of one it dialled. */
class Connection {
  readonly state: SocketState<InboundRing>;
  /** Written by the other end. */
  readonly inbound: ByteRing;
  /** Written by this end. */
  readonly outbound: ByteRing;
  readonly other: 0 | 1;
  /** The other end's bits already applied to the state. */
  otherSeen = 0;

  constructor(
    half: VirtualModuleHalf,
    net: SharedNetwork,
    readonly slot: number,
    readonly end: 0 | 1,
  ) {
    this.other = end === 0 ? 1 : 0;
    this.inbound = net.ring(slot, this.other);
    this.outbound = net.ring(slot, end);
    this.state = new SocketState(new InboundRing(half, this));
  }
}

/** A socket the module opened that neither listens nor connects yet. */
class Opened {
  /** Where it was bound: its listener's index holds the address. */
  listener = -1;
  constructor(readonly family: 4 | 6) {}
}

class Listener {
  constructor(readonly index: number) {}
}

type Entry = Connection | Opened | Listener;

export class VirtualModuleHalf implements SocketTransport {
  /** The listeners made for it before it started, in --tcplisten order. */
  readonly listeners: readonly Handle[];
  onChange: ((handle: Handle) => void) | null = null;

  private readonly net: SharedNetwork;
  private readonly participant: number;
  private readonly entries = new Map<Handle, Entry>();
  /** Flag options the module set, by handle (the network has no Nagle, keep-alive or address reuse to change). */
  private readonly flags = new Map<Handle, Map<SocketOption, number>>();
  /** The handle of a queue id, where it is not id + 1 (a socket the module opened keeps the handle open() gave). */
  private readonly aliases = new Map<number, Handle>();
  /** Participants with news on their queues, to wake at the next flush. */
  private readonly toWake = new Set<number>();
  private nextOwnHandle: Handle;
  private seen: number;
  private ended = false;

  constructor(init: VirtualModuleInit) {
    this.net = new SharedNetwork(init.net, init.shape);
    this.participant = init.participant;
    const { layout } = this.net;
    this.listeners = init.listeners.map((index) => {
      const handle = layout.handleOf(layout.listenerId(index));
      this.entries.set(handle, new Listener(index));
      return handle;
    });
    this.nextOwnHandle = layout.handleOf(layout.listenerId(layout.shape.listeners));
    this.seen = this.net.seq(this.participant);
  }

  accept(listener: Handle): Handle | number {
    const l = this.entries.get(listener);
    if (!(l instanceof Listener)) return l === undefined ? -ERRNO_BADF : -ERRNO_INVAL;
    const slot = this.net.popPending(l.index);
    if (slot < 0) return -ERRNO_AGAIN;
    // A page server that held the connection made it only now.
    if (!this.net.established(slot)) {
      this.net.establish(slot);
      this.tellOther(slot, 1);
    }
    const handle = this.net.layout.handleOf(this.net.layout.endId(slot, 1));
    this.entries.set(handle, new Connection(this, this.net, slot, 1));
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
    this.tellOther(c.slot, c.end);
    // A ring half full: the reader should start reading now, not at our next wait.
    const cap = c.outbound.capacity;
    if (cap - room + n >= cap / 2) this.flush();
    return n;
  }

  shutdown(handle: Handle, how: number): number {
    const c = this.connection(handle);
    if (typeof c === 'number') return c;
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) return -ERRNO_INVAL;
    this.sync(c);
    const check = c.state.shutdownCheck();
    if (check < 0) return check;
    if (c.state.gone) return -ERRNO_NOTCONN;
    c.state.shutdown(how);
    this.net.addBits(c.slot, c.end, (how & SHUT_RD ? B_SHUT_RD : 0) | (how & SHUT_WR ? B_FIN : 0));
    this.tellOther(c.slot, c.end);
    return 0;
  }

  close(handle: Handle): void {
    const entry = this.entries.get(handle);
    if (entry === undefined) return;
    this.entries.delete(handle);
    this.flags.delete(handle);
    if (entry instanceof Opened) {
      if (entry.listener >= 0) this.closeListener(entry.listener);
      return;
    }
    if (entry instanceof Listener) {
      this.aliases.delete(this.net.layout.listenerId(entry.index));
      this.closeListener(entry.index);
      return;
    }
    const c = entry;
    this.aliases.delete(this.net.layout.endId(c.slot, c.end));
    // close(2) with input left unread resets the connection.
    const unread = !c.state.readShut && c.inbound.fill > 0;
    this.net.addBits(c.slot, c.end, B_CLOSED | B_FIN | (unread ? B_RESET : 0));
    this.tellOther(c.slot, c.end);
    this.net.detach(c.slot, c.end);
  }

  poll(handle: Handle): number {
    const entry = this.entries.get(handle);
    if (entry instanceof Listener) return this.net.pending(entry.index) > 0 ? READABLE : 0;
    if (!(entry instanceof Connection)) return 0;
    this.sync(entry);
    return entry.state.poll(entry.state.sendFails ? 0 : entry.outbound.room());
  }

  readable(handle: Handle): number {
    const entry = this.entries.get(handle);
    if (entry instanceof Listener) return this.net.pending(entry.index);
    if (!(entry instanceof Connection) || entry.state.readShut || entry.state.connecting) return 0;
    return entry.inbound.fill;
  }

  pollSizes(handle: Handle, out: PollSizes): void {
    const entry = this.entries.get(handle);
    if (entry instanceof Connection) {
      this.sync(entry);
      entry.state.sizes(entry.outbound.room(), out);
      return;
    }
    const pending = entry instanceof Listener ? this.net.pending(entry.index) : 0;
    out.bits = pending > 0 ? READABLE : 0;
    out.toRead = pending;
    out.toWrite = 0;
  }

  wait(timeoutMs: number): void {
    this.flush();
    const seq = this.net.seq(this.participant);
    if (seq === this.seen && timeoutMs !== 0) this.net.sleep(this.participant, seq, timeoutMs < 0 ? Infinity : timeoutMs);
    const now = this.net.seq(this.participant);
    if (now === this.seen) return;
    this.seen = now;
    const { layout } = this.net;
    for (let id = this.net.pop(this.participant); id >= 0; id = this.net.pop(this.participant)) {
      this.onChange?.(this.aliases.get(id) ?? layout.handleOf(id));
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.flush();
    this.net.setParticipantState(this.participant, P_ENDED);
    this.net.wake(PAGE);
  }

  /** For InboundRing: bytes were taken from the ring the other end writes. */
  consumed(c: Connection): void {
    if (!c.inbound.takeRoomRequest()) return;
    this.tellOther(c.slot, c.end);
    // The other end's writer is blocked on us: wake it now, not at our next wait.
    this.flush();
  }

  // ---- sockets the module opens ----------------------------------------------------

  open(family: 4 | 6): Handle | number {
    const handle = this.nextOwnHandle++;
    this.entries.set(handle, new Opened(family));
    return handle;
  }

  bind(handle: Handle, address: SocketAddress): number {
    const o = this.entries.get(handle);
    if (!(o instanceof Opened)) return o === undefined ? -ERRNO_BADF : -ERRNO_INVAL;
    if (o.listener >= 0) return -ERRNO_INVAL;
    const index = this.net.bind(this.participant, { host: address.host, port: address.port });
    if (index < 0) return index;
    o.listener = index;
    return 0;
  }

  listen(handle: Handle, backlog: number): number {
    const o = this.entries.get(handle);
    if (!(o instanceof Opened)) return o === undefined ? -ERRNO_BADF : -ERRNO_INVAL;
    if (o.listener < 0) {
      // listen(2) on an unbound socket binds it to the wildcard address, a free port.
      const index = this.net.bind(this.participant, { host: wildcardHost(o.family), port: 0 });
      if (index < 0) return index;
      o.listener = index;
    }
    this.net.listen(o.listener, backlog);
    this.entries.set(handle, new Listener(o.listener));
    this.aliases.set(this.net.layout.listenerId(o.listener), handle);
    return 0;
  }

  dial(handle: Handle, address: SocketAddress): number {
    const o = this.entries.get(handle);
    if (!(o instanceof Opened)) return o === undefined ? -ERRNO_BADF : -ERRNO_INVAL;
    const from: NetAddress =
      o.listener >= 0 ? this.net.listenerAddress(o.listener) : { host: loopbackHost(o.family), port: this.net.ephemeralPort() };
    const dialled = this.net.dial(this.participant, from, { host: address.host, port: address.port });
    if ('refused' in dialled) return -ERRNO_CONNREFUSED;
    // The address it was bound to is the connection's now, not a listener's.
    if (o.listener >= 0) this.net.closeListener(o.listener);
    const c = new Connection(this, this.net, dialled.slot, 0);
    this.entries.set(handle, c);
    this.aliases.set(this.net.layout.endId(dialled.slot, 0), handle);
    if (this.net.established(dialled.slot)) return 0;
    // Held by a page server until it accepts: under way until then.
    c.state.connectStarted();
    return -ERRNO_INPROGRESS;
  }

  socketError(handle: Handle): number {
    const c = this.entries.get(handle);
    if (!(c instanceof Connection)) return 0;
    this.sync(c);
    return c.state.takeError();
  }

  localAddress(handle: Handle): SocketAddress | number {
    const entry = this.entries.get(handle);
    if (entry === undefined) return -ERRNO_BADF;
    if (entry instanceof Opened) {
      if (entry.listener >= 0) return this.ipAddress(this.net.listenerAddress(entry.listener));
      return { family: entry.family, host: wildcardHost(entry.family), port: 0 };
    }
    if (entry instanceof Listener) return this.ipAddress(this.net.listenerAddress(entry.index));
    const a = this.net.address(entry.slot, entry.end);
    return a.family === 0 ? -ERRNO_AFNOSUPPORT : { family: a.family, host: a.host, port: a.port };
  }

  peerAddress(handle: Handle): SocketAddress | number {
    const entry = this.entries.get(handle);
    if (entry === undefined) return -ERRNO_BADF;
    if (!(entry instanceof Connection)) return -ERRNO_NOTCONN;
    this.sync(entry);
    if (entry.state.connecting || entry.state.gone) return -ERRNO_NOTCONN;
    const a = this.net.address(entry.slot, entry.other);
    return a.family === 0 ? -ERRNO_AFNOSUPPORT : { family: a.family, host: a.host, port: a.port };
  }

  setOption(handle: Handle, option: SocketOption, value: number): number {
    if (!this.entries.has(handle)) return -ERRNO_BADF;
    // The rings have the sizes the network was made with: buffer sizes read back as they are.
    if (option === 'recv-buffer' || option === 'send-buffer') return 0;
    let flags = this.flags.get(handle);
    if (flags === undefined) this.flags.set(handle, (flags = new Map()));
    flags.set(option, value);
    return 0;
  }

  getOption(handle: Handle, option: SocketOption): number {
    const entry = this.entries.get(handle);
    if (entry === undefined) return -ERRNO_BADF;
    const { shape } = this.net.layout;
    if (option === 'recv-buffer') return entry instanceof Connection ? entry.inbound.capacity : shape.inbound;
    if (option === 'send-buffer') return entry instanceof Connection ? entry.outbound.capacity : shape.outbound;
    return this.flags.get(handle)?.get(option) ?? 0;
  }

  // ---- internals -------------------------------------------------------------------

  private connection(handle: Handle): Connection | number {
    const entry = this.entries.get(handle);
    if (entry instanceof Connection) return entry;
    return entry === undefined ? -ERRNO_BADF : -ERRNO_NOTCONN;
  }

  /** An address on this network as a socket address: names (a page's) have none. */
  private ipAddress(a: NetAddress): SocketAddress | number {
    const family = a.host.includes(':') ? 6 : /^\d+\.\d+\.\d+\.\d+$/.test(a.host) ? 4 : 0;
    return family === 0 ? -ERRNO_AFNOSUPPORT : { family, host: a.host, port: a.port };
  }

  /** Applies what the other end did since the last look. */
  private sync(c: Connection): void {
    if (c.state.connecting && this.net.established(c.slot)) c.state.connected();
    const bits = this.net.bits(c.slot, c.other);
    const fresh = bits & ~c.otherSeen;
    if (fresh === 0) return;
    c.otherSeen = bits;
    if (fresh & (B_FIN | B_CLOSED)) c.state.peerFin = true;
    if (fresh & B_CLOSED) c.state.gone = true;
    if (fresh & B_RESET) {
      c.state.failed(ERRNO_CONNRESET);
      c.state.gone = true;
    }
  }

  private closeListener(index: number): void {
    // The connections still waiting are reset, as the kernel does when a listener closes.
    for (const slot of this.net.closeListener(index)) {
      if (!this.net.established(slot)) this.net.establish(slot);
      this.net.addBits(slot, 1, B_RESET | B_CLOSED);
      this.tellOther(slot, 1);
      this.net.detach(slot, 1);
    }
  }

  /** Slot `slot` changed on end `end`'s side: its other end's participant looks at it. */
  private tellOther(slot: number, end: 0 | 1): void {
    const other = end === 0 ? 1 : 0;
    const participant = this.net.owner(slot, other);
    this.net.push(participant, this.net.layout.endId(slot, other));
    this.toWake.add(participant);
  }

  private flush(): void {
    for (const p of this.toWake) this.net.wake(p);
    this.toWake.clear();
  }
}

/** The kind's OpenModuleHalf: `init` is what VirtualOwner.moduleInit() made. */
export function openVirtualModuleHalf(init: ModuleHalfInit): VirtualModuleHalf {
  return new VirtualModuleHalf(init as VirtualModuleInit);
}
