// The page's side of the virtual network (a page's main thread, or a Node
// thread): the network's memory (layout.ts), the page's own connections —
// clients (VirtualNetwork.connect) and servers (VirtualNetwork.listen), as
// VirtualSockets whose bytes are Web Streams — and one VirtualOwner per module
// on the network, the owner half of the `virtual` transport kind: it opens
// the module's listeners, wakes it, and cleans up after it.
//
// Several modules may share one network (run() and serve() in a page with
// the same `network`): each is a participant, and a module reaches any
// listener on it — another module's, its own, a page server's — while the
// bytes go from worker to worker through shared memory, never through the page.
//
// The page never blocks: it sleeps in Atomics.waitAsync on its wake word,
// which the modules bump when it has news, and wakes a module with
// Atomics.notify (at most once per microtask turn). Every buffer is a fixed
// ring: a client's write waits for room; bytes the module sent stay in their
// ring until the client's reader asks for them (highWaterMark 0), so a client
// that does not read stops the module's sends (EAGAIN), as TCP does.
//
// The socket rules are the kernel's (see ../socket-state.ts, which the module
// half applies): FIN reads as EOF after the bytes, close(2) with input unread
// resets the connection, data sent to a socket its owner closed resets it,
// connections left waiting on a listener that closes are reset.

import type { ControlBlock } from '../control-block.js';
import { oneBuffer } from '../io-list.js';
import type { ListenAddress, OwnerOptions, TransportLimits, TransportOwner } from '../types.js';
import { B_CLOSED, B_DETACHED, B_FIN, B_RESET, B_SHUT_RD, L_FREE, P_ENDED, P_FREE, slotsThatFit, type NetworkShape, type VirtualModuleInit } from './layout.js';
import type { ByteRing } from './ring.js';
import { SharedNetwork } from './shared-network.js';

export type VirtualErrorCode = 'ECONNREFUSED' | 'ECONNRESET' | 'EPIPE' | 'EADDRINUSE';

/** A socket error on the virtual network, with the errno name Node's sockets use (`code`). */
export class VirtualNetworkError extends Error {
  constructor(
    readonly code: VirtualErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VirtualNetworkError';
  }
}

/** Listen failures look like Node's (code, syscall, address, port), so the facade reports them the same way. */
class VirtualListenError extends VirtualNetworkError {
  readonly syscall = 'listen';
  constructor(
    readonly address: string,
    readonly port: number,
  ) {
    super('EADDRINUSE', `listen EADDRINUSE: address already in use ${address}:${port} (virtual network)`);
  }
}

/** Defaults: 64 KiB each way, as the in-memory network; a backlog of 1024; 16 participants. */
const VIRTUAL_DEFAULTS = { inbound: 64 * 1024, outbound: 64 * 1024, acceptBacklog: 1024, connections: 16384, participants: 16, listeners: 256 } as const;
/** Slots the buffer starts with; it doubles as more connections exist at once. */
const INITIAL_SLOTS = 64;
/** Largest chunk one read of a client's stream returns. */
const READ_CHUNK = 64 * 1024;
/** The page is the network's first participant. */
const PAGE = 0;

export interface VirtualNetworkOptions {
  /** Per-connection ring sizes and the listeners' backlog. */
  limits?: TransportLimits;
  /**
   * Connections that may exist at once (each holds its two rings); more are
   * refused. Default 16384, or as many as fit in one shared buffer
   * (MAX_NETWORK_BYTES) with large rings; a count that does not fit is a RangeError.
   */
  connections?: number;
  /** Modules at once on the network (the page is one more). Default 15. */
  modules?: number;
}

/** The client end of one connection, or the server end of one a module dialled. */
export class VirtualSocket {
  /** Bytes the other end sent; ends at its FIN or close (EOF), errors on a reset (code ECONNRESET). */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes for the other end; close() sends FIN, abort() resets the connection. */
  readonly writable: WritableStream<Uint8Array>;

  constructor(
    private readonly link: Link,
    /** The other end's address: the listener a client reached, or the module that dialled a page server. */
    readonly remoteAddress: ListenAddress,
  ) {
    this.readable = link.readable;
    this.writable = link.writable;
  }

  /**
   * close(2): FIN, and this end reads nothing more. With bytes from the
   * other end left unread the connection is reset instead, as TCP does.
   */
  close(): void {
    this.link.closeByClient();
  }

  /** RST: the module's next recv or send fails with ECONNRESET; both streams here end with an error. */
  reset(): void {
    this.link.resetByClient();
  }
}

/** The page's end of one connection (`end` of slot `slot`). */
class Link {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  /** Resolves a waiting read or write when the other end reports a change. */
  private dataWaiter: (() => void) | null = null;
  private roomWaiter: (() => void) | null = null;
  private readController!: ReadableStreamDefaultController<Uint8Array>;
  private writeController!: WritableStreamDefaultController;
  /** This end reads no more: EOF or an error was delivered, or the client closed or reset. */
  private readDone = false;
  private finSent = false;
  private clientClosed = false;
  private failure: VirtualNetworkError | null = null;
  /** This end let go of the slot: never touch it again (the network may give it to another connection). */
  private detached = false;
  private lastOther = 0;
  private readonly other: 0 | 1;
  /** Written by this end. */
  private readonly out: ByteRing;
  /** Written by the other end. */
  private readonly in: ByteRing;

  constructor(
    private readonly net: VirtualNetwork,
    readonly slot: number,
    readonly end: 0 | 1,
  ) {
    this.other = end === 0 ? 1 : 0;
    this.out = net.shared.ring(slot, end);
    this.in = net.shared.ring(slot, this.other);
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => void (this.readController = controller),
        pull: (controller) => this.pull(controller),
        cancel: () => this.stopReading(),
      },
      // Nothing is read ahead: unread bytes stay in the ring, which holds back the other end.
      { highWaterMark: 0 },
    );
    this.writable = new WritableStream<Uint8Array>({
      start: (controller) => void (this.writeController = controller),
      write: (chunk) => this.write(chunk),
      close: () => this.finish(),
      abort: () => this.resetByClient(),
    });
  }

  /** The participant at the other end. */
  get otherOwner(): number {
    return this.net.shared.owner(this.slot, this.other);
  }

  /** What the other end did (its last bits while this end was attached). */
  private otherBits(): number {
    if (!this.detached) this.lastOther = this.net.shared.bits(this.slot, this.other);
    return this.lastOther;
  }

  /** The other end reported a change. */
  changed(): void {
    this.wakeWaiters();
  }

  private async write(chunk: Uint8Array): Promise<void> {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('a virtual socket carries Uint8Array chunks');
    let at = 0;
    while (at < chunk.byteLength) {
      if (this.failure) throw this.failure;
      if (this.clientClosed) throw new VirtualNetworkError('EPIPE', 'write after this end closed the connection');
      const other = this.otherBits();
      if (other & B_RESET || this.detached) throw this.fail('ECONNRESET', 'the connection was reset by the other end');
      if (other & B_CLOSED) {
        // Data for a socket its owner closed: the answer is an RST.
        this.setBits(B_RESET);
        throw this.fail('ECONNRESET', 'the other end had closed the connection: reset');
      }
      // Reading shut down at the other end: bytes are dropped, as the kernel does.
      if (other & B_SHUT_RD) return;
      const room = this.out.room();
      if (room > 0) {
        const n = Math.min(room, chunk.byteLength - at);
        this.out.write(oneBuffer(chunk, at, n), n);
        at += n;
        this.net.tellOther(this.slot, this.end);
        continue;
      }
      await new Promise<void>((resolve) => (this.roomWaiter = resolve));
    }
  }

  private finish(): void {
    if (this.failure) throw this.failure;
    this.finSent = true;
    this.setBits(B_FIN);
    this.detachIfDone();
  }

  private async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    for (;;) {
      if (this.readDone) return;
      const fill = this.in.fill;
      if (fill > 0) {
        const out = new Uint8Array(Math.min(fill, READ_CHUNK));
        this.in.read(oneBuffer(out), false);
        if (this.in.takeRoomRequest()) this.net.tellOther(this.slot, this.end);
        controller.enqueue(out);
        return;
      }
      const other = this.otherBits();
      if (this.failure || other & B_RESET) {
        // The bytes sent before the reset were read first; now the error.
        this.fail('ECONNRESET', 'the connection was reset by the other end');
        return;
      }
      if (other & B_CLOSED && this.out.fill > 0) {
        // Our bytes reached its ring as it closed (after the write looked, before its close
        // counted them unread): data for a closed socket, so a reset, as TCP answers it.
        this.setBits(B_RESET);
        this.fail('ECONNRESET', 'the other end had closed the connection: reset');
        return;
      }
      if (other & (B_FIN | B_CLOSED)) {
        this.readDone = true;
        controller.close();
        this.detachIfDone();
        return;
      }
      await new Promise<void>((resolve) => (this.dataWaiter = resolve));
    }
  }

  /** The client cancelled its reader: what the other end sends from now on is dropped. */
  private stopReading(): void {
    this.readDone = true;
    this.detachIfDone();
  }

  closeByClient(): void {
    if (this.clientClosed || this.failure || this.detached) return;
    const unread = !this.readDone && this.in.fill > 0;
    if (unread) {
      this.resetByClient();
      return;
    }
    this.clientClosed = true;
    this.setBits(B_FIN | B_CLOSED);
    this.endStreams(new VirtualNetworkError('EPIPE', 'this end closed the connection'));
    this.detachIfDone();
  }

  resetByClient(): void {
    if (this.failure || this.detached) return;
    this.setBits(B_RESET | B_CLOSED);
    this.fail('ECONNRESET', 'this end reset the connection');
  }

  /** The connection is reset (by either end, or because the network closed): both streams error. */
  fail(code: VirtualErrorCode, message: string): VirtualNetworkError {
    if (this.failure) return this.failure;
    this.failure = new VirtualNetworkError(code, message);
    this.endStreams(this.failure);
    this.detachIfDone();
    return this.failure;
  }

  private endStreams(error: VirtualNetworkError): void {
    this.readDone = true;
    try {
      this.readController.error(error);
    } catch {
      // already closed or errored
    }
    try {
      this.writeController.error(error);
    } catch {
      // already closed or errored
    }
    this.wakeWaiters();
  }

  /** A waiting read or write looks again. */
  private wakeWaiters(): void {
    const wakeRead = this.dataWaiter;
    const wakeWrite = this.roomWaiter;
    this.dataWaiter = this.roomWaiter = null;
    wakeRead?.();
    wakeWrite?.();
  }

  private setBits(bits: number): void {
    if (this.detached) return;
    this.net.shared.addBits(this.slot, this.end, bits);
    this.net.tellOther(this.slot, this.end);
  }

  /** Lets go of the slot once this end will neither read nor write it again. */
  private detachIfDone(): void {
    if (this.detached) return;
    const writeDone = this.finSent || (this.otherBits() & (B_CLOSED | B_RESET)) !== 0;
    if (!(this.failure !== null || this.clientClosed || (this.readDone && writeDone))) return;
    // Whatever this end leaves unsaid is a FIN (a client that stops reading and writing has closed).
    if (!this.failure && !(this.net.shared.bits(this.slot, this.end) & B_FIN)) this.setBits(B_FIN | B_CLOSED);
    this.detached = true;
    this.net.detached(this);
  }

  /** The slot is this end's and still in use. */
  get attached(): boolean {
    return !this.detached;
  }
}

/** A server on the page that modules on the network dial (their connections are VirtualSockets here). */
export class VirtualServer {
  private readonly arrivedWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly net: VirtualNetwork,
    readonly index: number,
    readonly address: ListenAddress,
  ) {}

  /** The next connection a module made to it; waits for one. Rejects once the server is closed. */
  async accept(): Promise<VirtualSocket> {
    for (;;) {
      if (this.closed) throw new VirtualNetworkError('ECONNREFUSED', `the server on ${this.address.host}:${this.address.port} is closed`);
      const slot = this.net.shared.popPending(this.index);
      if (slot >= 0) return this.net.acceptOnPage(slot);
      await new Promise<void>((resolve) => this.arrivedWaiters.push(resolve));
    }
  }

  /** Connections waiting for accept(). */
  get pending(): number {
    return this.net.shared.pending(this.index);
  }

  /** Nothing listens here from now on; connections still waiting are reset. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.net.closeServer(this);
    this.arrived();
  }

  /** A module queued a connection on it. */
  arrived(): void {
    for (const wake of this.arrivedWaiters.splice(0)) wake();
  }
}

export class VirtualNetwork {
  readonly shared: SharedNetwork;
  /** The page's ends of connections, by slot * 2 + end. */
  private readonly links = new Map<number, Link>();
  private readonly servers = new Map<number, VirtualServer>();
  private readonly owners = new Set<VirtualOwner>();
  private readonly toWake = new Set<number>();
  private notifyScheduled = false;
  private stopped = false;
  private readonly loopDone: Promise<void>;
  private readonly linkWaiters = new Set<() => void>();

  /** A new network on this page (or Node thread); `close()` ends it. */
  static create(options: VirtualNetworkOptions = {}): VirtualNetwork {
    const limits = options.limits ?? {};
    const sizes = {
      participants: (options.modules ?? VIRTUAL_DEFAULTS.participants - 1) + 1,
      listeners: VIRTUAL_DEFAULTS.listeners,
      backlog: limits.acceptBacklog ?? VIRTUAL_DEFAULTS.acceptBacklog,
      inbound: limits.inbound ?? VIRTUAL_DEFAULTS.inbound,
      outbound: limits.outbound ?? VIRTUAL_DEFAULTS.outbound,
    };
    // Large rings make the default count of connections too big for one shared buffer: fewer then.
    const shape: NetworkShape = { ...sizes, slots: options.connections ?? slotsThatFit(sizes, VIRTUAL_DEFAULTS.connections) };
    return new VirtualNetwork(SharedNetwork.create(shape, INITIAL_SLOTS));
  }

  private constructor(shared: SharedNetwork) {
    this.shared = shared;
    if (shared.join() !== PAGE) throw new Error('virtual network: the page must be its first participant');
    this.loopDone = this.loop();
  }

  /**
   * A client connection to whatever listens at `address` (a module, or a page
   * server). Rejects with ECONNREFUSED when nothing listens there, the
   * listener's backlog is full, or the network holds its most connections.
   */
  async connect(address: ListenAddress): Promise<VirtualSocket> {
    const where = `${address.host}:${address.port}`;
    if (this.stopped) throw new VirtualNetworkError('ECONNREFUSED', `connect ECONNREFUSED ${where}: the virtual network is closed`);
    const dialled = this.shared.dial(PAGE, { host: '127.0.0.1', port: this.shared.ephemeralPort() }, address);
    if ('refused' in dialled) {
      for (const owner of this.owners) owner.takeRefusals(where, dialled.refused);
      throw new VirtualNetworkError('ECONNREFUSED', `connect ECONNREFUSED ${where}: ${dialled.refused} (virtual network)`);
    }
    const link = this.attach(dialled.slot, 0);
    return new VirtualSocket(link, { ...this.shared.listenerAddress(dialled.listener), port: address.port });
  }

  /**
   * A server on the page at `address` (port 0: a free port) that modules dial.
   * `hold`: a dial stays under way until accept() takes it (as a connect to a
   * full backlog stays in SYN_SENT). Rejects with EADDRINUSE when it is taken.
   */
  async listen(address: ListenAddress, options: { backlog?: number; hold?: boolean } = {}): Promise<VirtualServer> {
    const index = this.shared.bind(PAGE, { host: address.host, port: address.port });
    if (index < 0) throw new VirtualListenError(address.host, address.port);
    this.shared.listen(index, options.backlog ?? this.shared.layout.shape.backlog, options.hold ?? false);
    const server = new VirtualServer(this, index, this.shared.listenerAddress(index));
    this.servers.set(index, server);
    return server;
  }

  /** Page connections whose slot is still in use (every one, or those to one participant's listeners and sockets). */
  connections(participant?: number): number {
    let n = 0;
    for (const link of this.links.values()) if (participant === undefined || link.otherOwner === participant) n++;
    return n;
  }

  /** Ends the network: every page connection is reset, and the page stops listening for news. */
  async close(): Promise<void> {
    if (this.stopped) return;
    for (const link of Array.from(this.links.values())) link.fail('ECONNRESET', 'the virtual network was closed');
    for (const server of this.servers.values()) server.close();
    this.stopped = true;
    this.shared.wake(PAGE);
    await this.loopDone;
  }

  // ---- for the owners, links and servers ------------------------------------------

  /** A module joins: its participant number. */
  join(owner: VirtualOwner): number {
    const p = this.shared.join();
    if (p < 0) throw new RangeError(`virtual network: it holds ${this.shared.layout.shape.participants - 1} modules at once, all there`);
    this.owners.add(owner);
    return p;
  }

  /** A module's participant is gone and cleaned up after. */
  leave(owner: VirtualOwner, participant: number): void {
    this.owners.delete(owner);
    this.shared.setParticipantState(participant, P_FREE);
  }

  acceptOnPage(slot: number): VirtualSocket {
    if (!this.shared.established(slot)) this.shared.establish(slot);
    const link = this.attach(slot, 1);
    // The module that dialled sees the connection made (if it was held) and can send.
    this.tellOther(slot, 1);
    const remote = this.shared.address(slot, 0);
    return new VirtualSocket(link, { host: remote.host, port: remote.port });
  }

  closeServer(server: VirtualServer): void {
    this.servers.delete(server.index);
    for (const slot of this.shared.closeListener(server.index)) this.resetPending(slot);
  }

  /** A connection waiting on a listener that closes is reset, as the kernel does. */
  resetPending(slot: number): void {
    if (!this.shared.established(slot)) this.shared.establish(slot);
    this.shared.addBits(slot, 1, B_RESET | B_CLOSED);
    this.tellOther(slot, 1);
    this.shared.detach(slot, 1);
  }

  /** Slot `slot` changed on end `end`'s side: its other end's participant looks at it (woken once this turn). */
  tellOther(slot: number, end: 0 | 1): void {
    if (this.stopped) return;
    const other = end === 0 ? 1 : 0;
    const participant = this.shared.owner(slot, other);
    this.shared.push(participant, this.shared.layout.endId(slot, other));
    this.toWake.add(participant);
    this.scheduleNotify();
  }

  wake(participant: number): void {
    this.shared.wake(participant);
  }

  detached(link: Link): void {
    this.links.delete(this.shared.layout.endId(link.slot, link.end));
    this.shared.detach(link.slot, link.end);
    for (const wake of Array.from(this.linkWaiters)) wake();
  }

  /** Resolves once no page connection to `participant` remains, or after `ms`. */
  async drained(participant: number, ms: number): Promise<void> {
    if (this.connections(participant) === 0 || ms <= 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let check!: () => void;
    await Promise.race([
      new Promise<void>((resolve) => {
        check = () => {
          if (this.connections(participant) === 0) resolve();
        };
        this.linkWaiters.add(check);
      }),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
    this.linkWaiters.delete(check);
  }

  /** What a participant that is gone left: its page connections reset, its own ends and listeners let go. */
  cleanUpAfter(participant: number): void {
    for (const link of Array.from(this.links.values())) {
      if (link.otherOwner === participant) link.fail('ECONNRESET', 'the module is gone');
    }
    for (const slot of Array.from(this.shared.slotsInUse())) {
      for (const end of [0, 1] as const) {
        if (this.shared.owner(slot, end) !== participant || this.shared.bits(slot, end) & B_DETACHED) continue;
        this.shared.resetEnd(slot, end);
        this.tellOther(slot, end);
        this.shared.detach(slot, end);
      }
    }
    for (let index = 0; index < this.shared.layout.shape.listeners; index++) {
      if (this.shared.listenerState(index) === L_FREE || this.shared.listenerOwner(index) !== participant) continue;
      for (const slot of this.shared.closeListener(index)) this.resetPending(slot);
    }
  }

  // ---- internals --------------------------------------------------------------------

  private attach(slot: number, end: 0 | 1): Link {
    const link = new Link(this, slot, end);
    this.links.set(this.shared.layout.endId(slot, end), link);
    return link;
  }

  private scheduleNotify(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      for (const p of this.toWake) this.shared.wake(p);
      this.toWake.clear();
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const seen = this.shared.seq(PAGE);
      this.takeNews();
      if (this.stopped) break;
      await this.shared.sleepAsync(PAGE, seen);
    }
  }

  private takeNews(): void {
    const { shared } = this;
    for (let id = shared.pop(PAGE); id >= 0; id = shared.pop(PAGE)) {
      const end = shared.layout.endOf(id);
      if (end !== null) this.links.get(id)?.changed();
      else this.servers.get(shared.layout.listenerOfId(id))?.arrived();
    }
    for (const owner of this.owners) owner.look();
  }
}

export interface VirtualOwnerOptions extends OwnerOptions {
  /** The network to join; default: a network of its own, closed with it. */
  network?: VirtualNetwork;
  /** For a network of its own: connections at once (see VirtualNetworkOptions.connections). */
  connections?: number;
}

/** The owner half of the `virtual` kind for one module: its participant, its listeners, its end. */
export class VirtualOwner implements TransportOwner {
  readonly addresses: readonly ListenAddress[];
  readonly ended: Promise<void>;
  readonly network: VirtualNetwork;

  private readonly participant: number;
  private readonly listenerIndexes: number[];
  private readonly control: ControlBlock;
  private readonly log: (line: string) => void;
  private readonly ownNetwork: boolean;
  private initGiven = false;
  private resolveEnded!: () => void;
  private endedSeen = false;
  private closed = false;
  private refusalsSeen = 0;

  /** Joins (or makes) a network and opens the module's listeners; an address taken is EADDRINUSE, port 0 a free port. */
  static async open(options: VirtualOwnerOptions): Promise<VirtualOwner> {
    const ownNetwork = options.network === undefined;
    const network = options.network ?? VirtualNetwork.create({ limits: options.limits, connections: options.connections, modules: 1 });
    try {
      return new VirtualOwner(network, ownNetwork, options);
    } catch (error) {
      if (ownNetwork) await network.close();
      throw error;
    }
  }

  private constructor(network: VirtualNetwork, ownNetwork: boolean, options: VirtualOwnerOptions) {
    this.network = network;
    this.ownNetwork = ownNetwork;
    this.control = options.control;
    this.log = options.log ?? (() => {});
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.participant = network.join(this);
    const { shared } = network;
    const indexes: number[] = [];
    const addresses: ListenAddress[] = [];
    try {
      for (const address of options.listen) {
        const index = shared.bind(this.participant, { host: address.host, port: address.port });
        if (index < 0) throw new VirtualListenError(address.host, address.port);
        shared.listen(index, options.limits?.acceptBacklog ?? shared.layout.shape.backlog);
        indexes.push(index);
        addresses.push(shared.listenerAddress(index));
      }
    } catch (error) {
      for (const index of indexes) shared.closeListener(index);
      network.leave(this, this.participant);
      throw error;
    }
    this.listenerIndexes = indexes;
    this.addresses = addresses;
  }

  /** The network's memory (its layout, for the tests of its limits). */
  get shared(): SharedNetwork {
    return this.network.shared;
  }

  /** Page connections to this module whose slot is still in use. */
  get connections(): number {
    return this.network.connections(this.participant);
  }

  moduleInit(): { init: VirtualModuleInit; transfer: Transferable[] } {
    if (this.initGiven) throw new Error('VirtualOwner.moduleInit() called twice');
    this.initGiven = true;
    const { shared } = this.network;
    return { init: { kind: 'virtual', net: shared.buffer, shape: shared.layout.shape, participant: this.participant, listeners: [...this.listenerIndexes] }, transfer: [] };
  }

  /** A client connection to `address` (default: the module's first listener), queued for its accept(). */
  connect(address: ListenAddress = this.addresses[0] ?? { host: '', port: 0 }): Promise<VirtualSocket> {
    if (this.closed) {
      return Promise.reject(new VirtualNetworkError('ECONNREFUSED', `connect ECONNREFUSED ${address.host}:${address.port}: the module is gone (virtual network)`));
    }
    return this.network.connect(address);
  }

  wake(): void {
    this.network.wake(this.participant);
  }

  /**
   * After the module half is gone: page connections to it whose bytes the
   * clients have not all read may be read for `lingerMs`; then whatever
   * remains is reset, and what it left is let go. Resolves when nothing is left.
   */
  async close(lingerMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const { shared } = this.network;
    for (const index of this.listenerIndexes) {
      if (shared.listenerState(index) !== L_FREE && shared.listenerOwner(index) === this.participant) {
        for (const slot of shared.closeListener(index)) this.network.resetPending(slot);
      }
    }
    await this.network.drained(this.participant, lingerMs);
    this.network.cleanUpAfter(this.participant);
    this.look();
    this.network.leave(this, this.participant);
    if (this.ownNetwork) await this.network.close();
  }

  /** Counts the refusals the network made for this module's listeners since the last look, saying why. */
  takeRefusals(where: string, why: string): void {
    const refused = this.network.shared.refused(this.participant);
    for (; this.refusalsSeen < refused; this.refusalsSeen++) {
      this.control.countRefused();
      this.log(`refused a connection on ${where}: ${why}`);
    }
  }

  /** The page's loop looked at the network: the module may have ended, or been refused connections. */
  look(): void {
    const refused = this.network.shared.refused(this.participant);
    for (; this.refusalsSeen < refused; this.refusalsSeen++) this.control.countRefused();
    if (!this.endedSeen && this.network.shared.participantState(this.participant) === P_ENDED) {
      this.endedSeen = true;
      this.resolveEnded();
    }
  }
}
