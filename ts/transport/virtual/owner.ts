// The owner half of the virtual network: the thread that started the module
// (a page's main thread, or a Node thread) holds the network's memory
// (layout.ts), its listeners' addresses, and the client end of every
// connection, as a VirtualSocket whose bytes are Web Streams.
//
// It never blocks: it sleeps in Atomics.waitAsync on OWNER_SEQ, which the
// module half bumps when it has news, and wakes the module half with
// Atomics.notify on MODULE_SEQ (at most once per microtask turn). Every buffer
// is a fixed ring: a client's write waits for room; bytes the module sent stay
// in their ring until the client's reader asks for them (highWaterMark 0), so
// a client that does not read stops the module's sends (EAGAIN), as TCP does.
//
// The socket rules are the kernel's (see ../socket-state.ts, which the module
// half applies): FIN reads as EOF after the bytes, close(2) with input unread
// resets the connection, data sent to a socket the module closed resets it,
// connections left waiting on a listener that closes are reset.

import type { ControlBlock } from '../control-block.js';
import { oneBuffer } from '../io-list.js';
import type { ListenAddress, OwnerOptions, TransportOwner } from '../types.js';
import { P_CLOSED, P_FIN, P_RESET, S_CLOSED, S_RESET, S_SHUT_RD, S_SHUT_WR, slotsThatFit, type NetworkShape, type VirtualModuleInit } from './layout.js';
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

export interface VirtualOwnerOptions extends OwnerOptions {
  /**
   * Connections that may exist at once (each holds its two rings); more are
   * refused. Default 16384, or as many as fit in one shared buffer
   * (MAX_NETWORK_BYTES) with large rings; a count that does not fit is a RangeError.
   */
  connections?: number;
}

/** Defaults: 64 KiB each way, as the in-memory network; a backlog of 1024. */
const VIRTUAL_DEFAULTS = { inbound: 64 * 1024, outbound: 64 * 1024, acceptBacklog: 1024, connections: 16384 } as const;
/** Slots the buffer starts with; it doubles as more connections exist at once. */
const INITIAL_SLOTS = 64;
/** Port 0 takes the next of these, as an ephemeral port. */
const FIRST_EPHEMERAL_PORT = 49152;
/** Largest chunk one read of a client's stream returns. */
const READ_CHUNK = 64 * 1024;

/** The client end of one connection. */
export class VirtualSocket {
  /** Bytes the module sent; ends at its FIN or close (EOF), errors on a reset (code ECONNRESET). */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes for the module; close() sends FIN, abort() resets the connection. */
  readonly writable: WritableStream<Uint8Array>;

  constructor(
    private readonly link: Link,
    readonly remoteAddress: ListenAddress,
  ) {
    this.readable = link.readable;
    this.writable = link.writable;
  }

  /**
   * close(2): FIN, and this end reads nothing more. With bytes from the
   * module left unread the connection is reset instead, as TCP does.
   */
  close(): void {
    this.link.closeByClient();
  }

  /** RST: the module's next recv or send fails with ECONNRESET; both streams here end with an error. */
  reset(): void {
    this.link.resetByClient();
  }
}

/** One connection as the owner sees it. */
class Link {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  /** Resolves a waiting read or write when the module half reports a change. */
  private dataWaiter: (() => void) | null = null;
  private roomWaiter: (() => void) | null = null;
  private readController!: ReadableStreamDefaultController<Uint8Array>;
  private writeController!: WritableStreamDefaultController;
  /** The module will not touch the slot again (closed it, or never will accept it). */
  moduleDone = false;
  /** This end reads no more: EOF or an error was delivered, or the client closed or reset. */
  private readDone = false;
  private clientClosed = false;
  private failure: VirtualNetworkError | null = null;
  /** The slot went back to the network (and may serve another connection): never touch it again. */
  private freed = false;
  private lastSelf = 0;
  /** This end writes it. */
  private readonly inbound: ByteRing;
  /** This end reads it. */
  private readonly outbound: ByteRing;

  constructor(
    private readonly net: VirtualOwner,
    readonly slot: number,
  ) {
    this.inbound = net.shared.inbound(slot);
    this.outbound = net.shared.outbound(slot);
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => void (this.readController = controller),
        pull: (controller) => this.pull(controller),
        cancel: () => this.stopReading(),
      },
      // Nothing is read ahead: unread bytes stay in the ring, which holds back the module.
      { highWaterMark: 0 },
    );
    this.writable = new WritableStream<Uint8Array>({
      start: (controller) => void (this.writeController = controller),
      write: (chunk) => this.write(chunk),
      close: () => this.finish(),
      abort: () => this.resetByClient(),
    });
  }

  private self(): number {
    if (!this.freed) this.lastSelf = this.net.shared.self(this.slot);
    return this.lastSelf;
  }

  /** The network took the slot back. */
  release(): void {
    this.self();
    this.freed = true;
  }

  /** The module half reported a change on this slot. */
  changed(): void {
    this.wakeWaiters();
    if (this.self() & S_CLOSED) this.moduleDone = true;
    this.net.maybeFree(this);
  }

  private async write(chunk: Uint8Array): Promise<void> {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('a virtual socket carries Uint8Array chunks');
    let at = 0;
    while (at < chunk.byteLength) {
      if (this.failure) throw this.failure;
      if (this.clientClosed) throw new VirtualNetworkError('EPIPE', 'write after this end closed the connection');
      const self = this.self();
      if (self & S_RESET || this.freed) throw this.fail('ECONNRESET', 'the connection was reset by the module');
      if (self & S_CLOSED) {
        // Data for a socket its owner closed: the answer is an RST.
        this.setPeer(P_RESET);
        throw this.fail('ECONNRESET', 'the module had closed the connection: reset');
      }
      // Reading shut down on the module's side: bytes are dropped, as the kernel does.
      if (self & S_SHUT_RD) return;
      const room = this.inbound.room();
      if (room > 0) {
        const n = Math.min(room, chunk.byteLength - at);
        this.inbound.write(oneBuffer(chunk, at, n), n);
        at += n;
        this.net.tellModule(this.slot);
        continue;
      }
      await new Promise<void>((resolve) => (this.roomWaiter = resolve));
    }
  }

  private finish(): void {
    if (this.failure) throw this.failure;
    this.setPeer(P_FIN);
  }

  private async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    for (;;) {
      if (this.readDone) return;
      const fill = this.outbound.fill;
      if (fill > 0) {
        const out = new Uint8Array(Math.min(fill, READ_CHUNK));
        this.outbound.read(oneBuffer(out), false);
        if (this.outbound.takeRoomRequest()) this.net.tellModule(this.slot);
        controller.enqueue(out);
        return;
      }
      const self = this.self();
      if (this.failure || self & S_RESET) {
        // The bytes sent before the reset were read first; now the error.
        this.fail('ECONNRESET', 'the connection was reset by the module');
        return;
      }
      if (self & (S_SHUT_WR | S_CLOSED)) {
        this.readDone = true;
        controller.close();
        this.net.maybeFree(this);
        return;
      }
      await new Promise<void>((resolve) => (this.dataWaiter = resolve));
    }
  }

  /** The client cancelled its reader: what the module sends from now on is dropped. */
  private stopReading(): void {
    this.readDone = true;
    this.net.maybeFree(this);
  }

  /** The slot is no longer needed by this end: it read to the end, or will read nothing more. */
  get ownerDone(): boolean {
    return this.readDone || this.clientClosed || this.failure !== null;
  }

  closeByClient(): void {
    if (this.clientClosed || this.failure || this.freed) return;
    const unread = !this.readDone && this.outbound.fill > 0;
    if (unread) {
      this.resetByClient();
      return;
    }
    this.clientClosed = true;
    this.setPeer(P_FIN | P_CLOSED);
    this.endStreams(new VirtualNetworkError('EPIPE', 'this end closed the connection'));
    this.net.maybeFree(this);
  }

  resetByClient(): void {
    if (this.failure || this.freed) return;
    this.setPeer(P_RESET);
    this.fail('ECONNRESET', 'this end reset the connection');
  }

  /** The connection is reset (by either end, or because the network closed): both streams error. */
  fail(code: VirtualErrorCode, message: string): VirtualNetworkError {
    if (this.failure) return this.failure;
    this.failure = new VirtualNetworkError(code, message);
    this.endStreams(this.failure);
    this.net.maybeFree(this);
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

  private setPeer(bits: number): void {
    // Never accepted and reset by the listener's close: the module will not look.
    if (this.freed || (this.moduleDone && !(this.self() & S_CLOSED))) return;
    this.net.shared.addPeer(this.slot, bits);
    this.net.tellModule(this.slot);
  }
}

export class VirtualOwner implements TransportOwner {
  readonly addresses: readonly ListenAddress[];
  readonly ended: Promise<void>;
  readonly shared: SharedNetwork;

  private readonly control: ControlBlock;
  private readonly log: (line: string) => void;
  private readonly links = new Map<number, Link>();
  private readonly freeSlots: number[] = [];
  private slotsUsed = 0;
  private readonly drainedListeners = new Set<number>();
  private initGiven = false;
  private notifyScheduled = false;
  private resolveEnded!: () => void;
  private endedSeen = false;
  private refusing = false;
  private stopped = false;
  private loopDone: Promise<void> = Promise.resolve();
  private onEmpty: (() => void) | null = null;

  /** Checks the addresses (an address given twice is EADDRINUSE) and the limits; resolves port 0. */
  static async open(options: VirtualOwnerOptions): Promise<VirtualOwner> {
    const addresses: ListenAddress[] = [];
    let nextPort = FIRST_EPHEMERAL_PORT;
    const taken = new Set(options.listen.filter((a) => a.port !== 0).map((a) => `${a.host}|${a.port}`));
    const used = new Set<string>();
    for (const { host, port } of options.listen) {
      let bound = port;
      if (bound === 0) {
        while (taken.has(`${host}|${nextPort}`) || used.has(`${host}|${nextPort}`)) nextPort++;
        bound = nextPort++;
      }
      if (used.has(`${host}|${bound}`)) throw new VirtualListenError(host, bound);
      used.add(`${host}|${bound}`);
      addresses.push({ host, port: bound });
    }
    const limits = options.limits ?? {};
    const sizes = {
      listeners: addresses.length,
      backlog: limits.acceptBacklog ?? VIRTUAL_DEFAULTS.acceptBacklog,
      inbound: limits.inbound ?? VIRTUAL_DEFAULTS.inbound,
      outbound: limits.outbound ?? VIRTUAL_DEFAULTS.outbound,
    };
    // Large rings make the default count of connections too big for one shared buffer: fewer then.
    const shape: NetworkShape = { ...sizes, slots: options.connections ?? slotsThatFit(sizes, VIRTUAL_DEFAULTS.connections) };
    return new VirtualOwner(addresses, SharedNetwork.create(shape, INITIAL_SLOTS), options);
  }

  private constructor(addresses: ListenAddress[], shared: SharedNetwork, options: VirtualOwnerOptions) {
    this.addresses = addresses;
    this.shared = shared;
    this.control = options.control;
    this.log = options.log ?? (() => {});
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.loopDone = this.loop();
  }

  /** Connections whose slot is still in use (open, or being closed by one end). */
  get connections(): number {
    return this.links.size;
  }

  moduleInit(): { init: VirtualModuleInit; transfer: Transferable[] } {
    if (this.initGiven) throw new Error('VirtualOwner.moduleInit() called twice');
    this.initGiven = true;
    return { init: { kind: 'virtual', net: this.shared.buffer, shape: this.shared.layout.shape }, transfer: [] };
  }

  /**
   * A connection to `address` (default: the first listener), queued for the
   * module's accept(). Rejects with ECONNREFUSED when nothing listens there,
   * the listener's backlog is full, or the network holds its most connections.
   */
  async connect(address: ListenAddress = this.addresses[0] ?? { host: '', port: 0 }): Promise<VirtualSocket> {
    const index = this.addresses.findIndex((a) => a.host === address.host && a.port === address.port);
    const where = `${address.host}:${address.port}`;
    const { shared } = this;
    const { shape } = shared.layout;
    if (index < 0 || this.refusing || shared.listenerClosed(index)) {
      throw new VirtualNetworkError('ECONNREFUSED', `connect ECONNREFUSED ${where}: nothing listens there (virtual network)`);
    }
    if (shared.pending(index) >= shape.backlog) {
      this.refuse(where, `${shape.backlog} connections already wait for accept`);
    }
    const slot = this.allocate();
    if (slot < 0) this.refuse(where, `the network holds its ${shape.slots} connections`);
    shared.resetSlot(slot);
    const link = new Link(this, slot);
    this.links.set(slot, link);
    shared.pushPending(index, slot);
    shared.queueForModule(shared.layout.listenerHandle(index));
    this.scheduleNotify();
    return new VirtualSocket(link, { ...this.addresses[index]! });
  }

  wake(): void {
    this.shared.wakeModule();
  }

  /**
   * After the module half is gone: connections whose bytes the clients have
   * not all read yet may be read for `lingerMs`; then whatever remains is
   * reset and the network refuses connections. Resolves when nothing is left.
   */
  async close(lingerMs: number): Promise<void> {
    if (this.stopped) return;
    this.refusing = true;
    if (lingerMs > 0 && this.links.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (this.onEmpty = resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, lingerMs))),
      ]);
      clearTimeout(timer);
      this.onEmpty = null;
    }
    for (const link of Array.from(this.links.values())) {
      link.moduleDone = true;
      link.fail('ECONNRESET', 'the virtual network was closed');
    }
    this.stopped = true;
    // Ends the loop's sleep.
    this.shared.wakeOwner();
    await this.loopDone;
  }

  // ---- for Link -------------------------------------------------------------------

  /** Puts a slot on the module's change queue; the module is woken once this turn. */
  tellModule(slot: number): void {
    if (this.stopped) return;
    this.shared.queueForModule(this.shared.layout.connectionHandle(slot));
    this.scheduleNotify();
  }

  maybeFree(link: Link): void {
    if (!link.moduleDone || !link.ownerDone || this.links.get(link.slot) !== link) return;
    this.links.delete(link.slot);
    link.release();
    this.freeSlots.push(link.slot);
    if (this.links.size === 0) this.onEmpty?.();
  }

  // ---- internals ------------------------------------------------------------------

  private refuse(where: string, why: string): never {
    this.control.countRefused();
    this.log(`refused a connection on ${where}: ${why}`);
    throw new VirtualNetworkError('ECONNREFUSED', `connect ECONNREFUSED ${where}: ${why} (virtual network)`);
  }

  private allocate(): number {
    const free = this.freeSlots.pop();
    if (free !== undefined) return free;
    const { slots } = this.shared.layout.shape;
    if (this.slotsUsed >= slots) return -1;
    const mapped = this.shared.slotsMapped;
    if (this.slotsUsed >= mapped) this.shared.mapSlots(Math.min(slots, mapped * 2));
    return this.slotsUsed++;
  }

  private scheduleNotify(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      this.wake();
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const seen = this.shared.ownerSeq();
      this.takeNews();
      if (this.stopped) break;
      await this.shared.sleepOwner(seen);
    }
  }

  private takeNews(): void {
    const { shared } = this;
    for (let slot = shared.takeForOwner(); slot >= 0; slot = shared.takeForOwner()) {
      this.links.get(slot)?.changed();
    }
    for (let i = 0; i < this.addresses.length; i++) {
      if (this.drainedListeners.has(i) || !shared.listenerClosed(i)) continue;
      this.drainedListeners.add(i);
      // The module will never accept these: reset them, as the kernel does when a listener closes.
      for (let slot = shared.popPending(i); slot >= 0; slot = shared.popPending(i)) {
        const link = this.links.get(slot);
        if (link === undefined) continue;
        link.moduleDone = true;
        link.fail('ECONNRESET', 'the listener closed before accepting the connection');
      }
    }
    if (!this.endedSeen && shared.ended()) {
      this.endedSeen = true;
      this.resolveEnded();
    }
  }
}
