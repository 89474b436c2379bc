// One virtual network's shared memory as every participant uses it: a Layout
// (layout.ts) over views of one SharedArrayBuffer. Every look at or change of
// a shared word goes through here, so the page and the modules agree on what
// each means.

import { ERRNO_ADDRINUSE, ERRNO_NOBUFS } from '../../wasi/defs.js';
import { formatIp, parseIp, reaches } from '../address.js';
import {
  B_CLOSED,
  B_DETACHED,
  B_RESET,
  E_ADDRESS,
  E_BITS,
  E_OCTETS,
  E_OWNER,
  E_QUEUED,
  E_RING_HEAD,
  E_RING_TAIL,
  E_WANTS_ROOM,
  L_BACKLOG,
  L_BOUND,
  L_FREE,
  L_HEAD,
  L_HOLD,
  L_HOST,
  L_HOST_LEN,
  L_LISTENING,
  L_OWNER,
  L_PORT,
  L_QUEUED,
  L_STATE,
  L_TAIL,
  Layout,
  MAX_HOST_BYTES,
  NET_LOCK,
  NEXT_PORT,
  P_FREE,
  P_LIVE,
  P_REFUSED,
  P_SEQ,
  P_STATE,
  S_ESTABLISHED,
  S_REFS,
  S_STATE,
  SLOTS_MAPPED,
  type NetworkShape,
} from './layout.js';
import { ByteRing } from './ring.js';

/** A host and port on the virtual network: an IP literal (canonical) or a name the page gave. */
export interface NetAddress {
  host: string;
  port: number;
}

/** Why a dial was refused: nothing listens there, or the listener's owner had no room (which it counts). */
export type Refusal = string;

/** The first port port 0 takes, as an ephemeral port. */
const FIRST_EPHEMERAL_PORT = 49152;

/**
 * A SharedArrayBuffer for `bytes` now that can grow to `maxBytes` (where the
 * platform has growable ones; otherwise the whole size at once).
 */
function allocateShared(bytes: number, maxBytes: number): SharedArrayBuffer {
  // The lib types promise growable buffers; an older engine ignores the
  // option and has no `growable` at all, hence the comparison with true.
  const probe = new SharedArrayBuffer(0, { maxByteLength: 8 });
  return probe.growable === true ? new SharedArrayBuffer(bytes, { maxByteLength: maxBytes }) : new SharedArrayBuffer(maxBytes);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class SharedNetwork {
  readonly layout: Layout;
  private readonly i32: Int32Array;
  private readonly bytes: Uint8Array;

  /** The page: a new network's memory, holding `slots` slots to begin with. */
  static create(shape: NetworkShape, slots: number): SharedNetwork {
    const layout = new Layout(shape);
    const initial = Math.min(layout.shape.slots, slots);
    const net = new SharedNetwork(allocateShared(layout.bytesFor(initial), layout.bytesFor(layout.shape.slots)), layout.shape);
    Atomics.store(net.i32, SLOTS_MAPPED, initial);
    Atomics.store(net.i32, NEXT_PORT, FIRST_EPHEMERAL_PORT);
    return net;
  }

  /** Any participant: the memory the page created (its buffer and shape came in the module half's init). */
  constructor(
    readonly buffer: SharedArrayBuffer,
    shape: NetworkShape,
  ) {
    this.layout = new Layout(shape);
    // No length: the views follow the buffer as it grows.
    this.i32 = new Int32Array(buffer);
    this.bytes = new Uint8Array(buffer);
  }

  // ---- the lock: a few stores at a time, never a wait inside --------------------

  private locked<T>(fn: () => T): T {
    while (Atomics.compareExchange(this.i32, NET_LOCK, 0, 1) !== 0) {
      // Held for a few stores by another participant: try again.
    }
    try {
      return fn();
    } finally {
      Atomics.store(this.i32, NET_LOCK, 0);
    }
  }

  // ---- participants -------------------------------------------------------------

  /** The page: a new participant, or -1 when the network has as many as it can hold. */
  join(): number {
    return this.locked(() => {
      for (let p = 0; p < this.layout.shape.participants; p++) {
        if (Atomics.load(this.i32, this.layout.participantWord(p, P_STATE)) !== P_FREE) continue;
        Atomics.store(this.i32, this.layout.participantWord(p, P_STATE), P_LIVE);
        Atomics.store(this.i32, this.layout.participantWord(p, P_REFUSED), 0);
        return p;
      }
      return -1;
    });
  }

  participantState(p: number): number {
    return Atomics.load(this.i32, this.layout.participantWord(p, P_STATE));
  }

  setParticipantState(p: number, state: number): void {
    Atomics.store(this.i32, this.layout.participantWord(p, P_STATE), state);
  }

  /** The wake count participant p sleeps on. */
  seq(p: number): number {
    return Atomics.load(this.i32, this.layout.participantWord(p, P_SEQ));
  }

  /** A module half: blocks while its wake count is `seen`, for at most `ms` (Infinity: no limit). */
  sleep(p: number, seen: number, ms: number): void {
    Atomics.wait(this.i32, this.layout.participantWord(p, P_SEQ), seen, ms);
  }

  /** The page: resolves once its wake count is no longer `seen` (never blocks the thread). */
  async sleepAsync(p: number, seen: number): Promise<void> {
    const waiting = Atomics.waitAsync(this.i32, this.layout.participantWord(p, P_SEQ), seen);
    if (waiting.async) await waiting.value;
  }

  /** Any participant: participant p's next wait returns (or its sleep ends now). */
  wake(p: number): void {
    Atomics.add(this.i32, this.layout.participantWord(p, P_SEQ), 1);
    Atomics.notify(this.i32, this.layout.participantWord(p, P_SEQ));
  }

  /** Any participant: id (an end's or a listener's) changed, for p to look at. False if it was queued already. */
  push(p: number, id: number): boolean {
    if (Atomics.compareExchange(this.i32, this.queuedWord(id), 0, 1) !== 0) return false;
    const position = Atomics.add(this.i32, this.layout.queueTail(p), 1);
    Atomics.store(this.i32, this.layout.queueEntry(p, position), id + 1);
    return true;
  }

  /** Participant p: the next changed id on its queue, or -1. Its flag is cleared first, so a later change queues it again. */
  pop(p: number): number {
    const head = Atomics.load(this.i32, this.layout.queueHead(p));
    if (head === Atomics.load(this.i32, this.layout.queueTail(p))) return -1;
    const entry = this.layout.queueEntry(p, head);
    const value = Atomics.load(this.i32, entry);
    // Still being written: its writer's wake-up follows.
    if (value === 0) return -1;
    Atomics.store(this.i32, entry, 0);
    Atomics.store(this.i32, this.layout.queueHead(p), (head + 1) | 0);
    const id = value - 1;
    Atomics.store(this.i32, this.queuedWord(id), 0);
    return id;
  }

  /** Connections refused on p's listeners so far. */
  refused(p: number): number {
    return Atomics.load(this.i32, this.layout.participantWord(p, P_REFUSED));
  }

  private queuedWord(id: number): number {
    const end = this.layout.endOf(id);
    if (end !== null) return this.layout.endWord(end.slot, end.end, E_QUEUED);
    const index = this.layout.listenerOfId(id);
    if (index < 0) throw new RangeError(`virtual network: ${id} is no id of this network`);
    return this.layout.listenerWord(index, L_QUEUED);
  }

  // ---- listeners ----------------------------------------------------------------

  /**
   * Takes `address` for `owner` (port 0: a free port): the listener's index,
   * or -EADDRINUSE, or -ENOBUFS when the network has as many listeners as it holds.
   */
  bind(owner: number, address: NetAddress): number {
    const host = encoder.encode(address.host);
    if (host.length > MAX_HOST_BYTES) throw new RangeError(`virtual network: a host name has at most ${MAX_HOST_BYTES} bytes, got ${JSON.stringify(address.host)}`);
    return this.locked(() => {
      let port = address.port;
      if (port === 0) {
        do port = this.nextPort();
        while (this.addressTaken({ host: address.host, port }));
      } else if (this.addressTaken(address)) return -ERRNO_ADDRINUSE;
      for (let index = 0; index < this.layout.shape.listeners; index++) {
        if (Atomics.load(this.i32, this.layout.listenerWord(index, L_STATE)) !== L_FREE) continue;
        const w = (word: number) => this.layout.listenerWord(index, word);
        Atomics.store(this.i32, w(L_OWNER), owner);
        Atomics.store(this.i32, w(L_PORT), port);
        Atomics.store(this.i32, w(L_HOLD), 0);
        Atomics.store(this.i32, w(L_HOST_LEN), host.length);
        this.bytes.set(host, w(L_HOST) * 4);
        // What a closed listener left on its accept queue was drained then: start empty.
        Atomics.store(this.i32, w(L_HEAD), Atomics.load(this.i32, w(L_TAIL)));
        Atomics.store(this.i32, w(L_STATE), L_BOUND);
        return index;
      }
      return -ERRNO_NOBUFS;
    });
  }

  /** A bound listener starts listening; `hold`: its connections stay under way until it accepts them. */
  listen(index: number, backlog: number, hold = false): void {
    const w = (word: number) => this.layout.listenerWord(index, word);
    Atomics.store(this.i32, w(L_BACKLOG), Math.max(1, Math.min(backlog, this.layout.shape.backlog)));
    Atomics.store(this.i32, w(L_HOLD), hold ? 1 : 0);
    Atomics.store(this.i32, w(L_STATE), L_LISTENING);
  }

  listenerState(index: number): number {
    return Atomics.load(this.i32, this.layout.listenerWord(index, L_STATE));
  }

  listenerOwner(index: number): number {
    return Atomics.load(this.i32, this.layout.listenerWord(index, L_OWNER));
  }

  listenerAddress(index: number): NetAddress {
    const w = (word: number) => this.layout.listenerWord(index, word);
    const length = Atomics.load(this.i32, w(L_HOST_LEN));
    const start = w(L_HOST) * 4;
    return { host: decoder.decode(this.bytes.slice(start, start + length)), port: Atomics.load(this.i32, w(L_PORT)) };
  }

  /**
   * The owner closes its listener: the address is free again, and the
   * connections still waiting on it are returned for the caller to reset.
   */
  closeListener(index: number): number[] {
    return this.locked(() => {
      const waiting: number[] = [];
      for (let slot = this.popPending(index); slot >= 0; slot = this.popPending(index)) waiting.push(slot);
      Atomics.store(this.i32, this.layout.listenerWord(index, L_STATE), L_FREE);
      return waiting;
    });
  }

  /** Connections waiting on listener `index` for accept(). */
  pending(index: number): number {
    return (Atomics.load(this.i32, this.layout.listenerWord(index, L_TAIL)) - Atomics.load(this.i32, this.layout.listenerWord(index, L_HEAD))) | 0;
  }

  /** The listener's owner: the next waiting connection's slot, or -1. */
  popPending(index: number): number {
    const headWord = this.layout.listenerWord(index, L_HEAD);
    const head = Atomics.load(this.i32, headWord);
    if (head === Atomics.load(this.i32, this.layout.listenerWord(index, L_TAIL))) return -1;
    const entry = this.layout.acceptEntry(index, head);
    const value = Atomics.load(this.i32, entry);
    if (value === 0) return -1;
    Atomics.store(this.i32, entry, 0);
    Atomics.store(this.i32, headWord, (head + 1) | 0);
    return value - 1;
  }

  /** A port for an end that has none of its own (a page client's), from the ephemeral range. */
  ephemeralPort(): number {
    return this.nextPort();
  }

  private nextPort(): number {
    const port = Atomics.add(this.i32, NEXT_PORT, 1);
    if (port < 65535) return port;
    Atomics.store(this.i32, NEXT_PORT, FIRST_EPHEMERAL_PORT);
    return FIRST_EPHEMERAL_PORT;
  }

  /** Under the lock: some listener holds `address`, or one that overlaps it (a wildcard of the same port). */
  private addressTaken(address: NetAddress): boolean {
    for (let index = 0; index < this.layout.shape.listeners; index++) {
      if (Atomics.load(this.i32, this.layout.listenerWord(index, L_STATE)) === L_FREE) continue;
      const held = this.listenerAddress(index);
      if (reaches(address, held) || reaches(held, address)) return true;
    }
    return false;
  }

  // ---- connections --------------------------------------------------------------

  /**
   * A connection from `dialer` at `from` to whatever listens at `to`: its
   * slot, queued on the listener, whose owner is woken. Refused when nothing
   * listens there, its backlog is full or the network holds all the
   * connections it can (the last two counted as refused for the listener's owner).
   */
  dial(dialer: number, from: NetAddress, to: NetAddress): { slot: number; listener: number } | { refused: Refusal } {
    const result = this.locked((): { slot: number; listener: number; owner: number } | { refused: Refusal } => {
      let listener = -1;
      for (let index = 0; index < this.layout.shape.listeners && listener < 0; index++) {
        if (Atomics.load(this.i32, this.layout.listenerWord(index, L_STATE)) === L_LISTENING && reaches(to, this.listenerAddress(index))) listener = index;
      }
      if (listener < 0) return { refused: 'nothing listens there' };
      const w = (word: number) => this.layout.listenerWord(listener, word);
      const owner = Atomics.load(this.i32, w(L_OWNER));
      if (this.pending(listener) >= Atomics.load(this.i32, w(L_BACKLOG))) {
        return this.refuse(owner, `${Atomics.load(this.i32, w(L_BACKLOG))} connections already wait for accept`);
      }
      const slot = this.allocate();
      if (slot < 0) return this.refuse(owner, `the network holds its ${this.layout.shape.slots} connections`);
      for (const word of this.layout.slotWordsToReset(slot)) Atomics.store(this.i32, word, 0);
      Atomics.store(this.i32, this.layout.slotWord(slot, S_REFS), 2);
      this.setEnd(slot, 0, dialer, from);
      // The accepting end has the address that was dialled (not the wildcard it may listen on).
      this.setEnd(slot, 1, owner, to);
      if (Atomics.load(this.i32, w(L_HOLD)) === 0) Atomics.store(this.i32, this.layout.slotWord(slot, S_STATE), S_ESTABLISHED);
      const tail = Atomics.load(this.i32, w(L_TAIL));
      Atomics.store(this.i32, this.layout.acceptEntry(listener, tail), slot + 1);
      Atomics.store(this.i32, w(L_TAIL), (tail + 1) | 0);
      return { slot, listener, owner };
    });
    if ('refused' in result) return result;
    this.push(result.owner, this.layout.listenerId(result.listener));
    this.wake(result.owner);
    return { slot: result.slot, listener: result.listener };
  }

  /** The connection is made (an accepting end that held it accepted it). */
  establish(slot: number): void {
    Atomics.store(this.i32, this.layout.slotWord(slot, S_STATE), S_ESTABLISHED);
  }

  established(slot: number): boolean {
    return Atomics.load(this.i32, this.layout.slotWord(slot, S_STATE)) === S_ESTABLISHED;
  }

  /** End `end` is done with the slot for good; the last one gives it back to the network. */
  detach(slot: number, end: 0 | 1): void {
    Atomics.or(this.i32, this.layout.endWord(slot, end, E_BITS), B_DETACHED);
    if (Atomics.sub(this.i32, this.layout.slotWord(slot, S_REFS), 1) !== 1) return;
    this.locked(() => Atomics.and(this.i32, this.layout.bitmapBase + (slot >>> 5), ~(1 << (slot & 31))));
  }

  /** The participant of end `end`. */
  owner(slot: number, end: 0 | 1): number {
    return Atomics.load(this.i32, this.layout.endWord(slot, end, E_OWNER));
  }

  /** What end `end` did: B_* bits. */
  bits(slot: number, end: 0 | 1): number {
    return Atomics.load(this.i32, this.layout.endWord(slot, end, E_BITS));
  }

  addBits(slot: number, end: 0 | 1, bits: number): void {
    Atomics.or(this.i32, this.layout.endWord(slot, end, E_BITS), bits);
  }

  /** End `end`'s address (an IP literal, or a name), or null when it has none. */
  address(slot: number, end: 0 | 1): { family: 0 | 4 | 6; host: string; port: number } {
    const word = Atomics.load(this.i32, this.layout.endWord(slot, end, E_ADDRESS));
    const family = (word >>> 16) as 0 | 4 | 6;
    const octets = new Uint8Array(16);
    const view = new DataView(octets.buffer);
    for (let i = 0; i < 4; i++) view.setInt32(i * 4, Atomics.load(this.i32, this.layout.endWord(slot, end, E_OCTETS + i)), true);
    const host = family === 4 ? formatIp(octets.subarray(0, 4)) : family === 6 ? formatIp(octets) : '';
    return { family, host, port: word & 0xffff };
  }

  /** The ring end `end` writes (the other end reads it). */
  ring(slot: number, end: 0 | 1): ByteRing {
    const { base, capacity } = this.layout.ring(slot, end);
    const w = (word: number) => this.layout.endWord(slot, end, word);
    return new ByteRing(this.i32, this.bytes, base, capacity, w(E_RING_HEAD), w(E_RING_TAIL), w(E_WANTS_ROOM));
  }

  /** An RST on behalf of an end whose participant is gone: the other end sees ECONNRESET. */
  resetEnd(slot: number, end: 0 | 1): void {
    this.addBits(slot, end, B_RESET | B_CLOSED);
  }

  /** Slots in use now (for the page's look at what a module that is gone left behind). */
  *slotsInUse(): IterableIterator<number> {
    const mapped = Atomics.load(this.i32, SLOTS_MAPPED);
    for (let word = 0; word * 32 < mapped; word++) {
      const bits = Atomics.load(this.i32, this.layout.bitmapBase + word);
      if (bits === 0) continue;
      for (let b = 0; b < 32; b++) if (bits & (1 << b) && word * 32 + b < mapped) yield word * 32 + b;
    }
  }

  // ---- internals ----------------------------------------------------------------

  private refuse(owner: number, why: string): { refused: Refusal } {
    Atomics.add(this.i32, this.layout.participantWord(owner, P_REFUSED), 1);
    return { refused: why };
  }

  /** Under the lock: a free slot (the buffer grows to hold it), or -1. */
  private allocate(): number {
    const { slots } = this.layout.shape;
    for (let word = 0; word * 32 < slots; word++) {
      const index = this.layout.bitmapBase + word;
      const bits = Atomics.load(this.i32, index);
      if (bits === -1) continue;
      for (let b = 0; b < 32; b++) {
        const slot = word * 32 + b;
        if (slot >= slots) return -1;
        if (bits & (1 << b)) continue;
        Atomics.or(this.i32, index, 1 << b);
        this.map(slot + 1);
        return slot;
      }
    }
    return -1;
  }

  /** Under the lock: the buffer holds at least `slots` slots (doubling, as connections at once grow). */
  private map(slots: number): void {
    const mapped = Atomics.load(this.i32, SLOTS_MAPPED);
    if (slots <= mapped) return;
    const next = Math.min(this.layout.shape.slots, Math.max(slots, mapped * 2));
    const bytes = this.layout.bytesFor(next);
    if (this.buffer.growable === true && this.buffer.byteLength < bytes) this.buffer.grow(bytes);
    Atomics.store(this.i32, SLOTS_MAPPED, next);
  }

  private setEnd(slot: number, end: 0 | 1, owner: number, address: NetAddress): void {
    Atomics.store(this.i32, this.layout.endWord(slot, end, E_OWNER), owner);
    const ip = parseIp(address.host);
    const family = ip === null ? 0 : ip.family;
    Atomics.store(this.i32, this.layout.endWord(slot, end, E_ADDRESS), (family << 16) | address.port);
    const octets = new Uint8Array(16);
    if (ip !== null) octets.set(ip.octets);
    const view = new DataView(octets.buffer);
    for (let i = 0; i < 4; i++) Atomics.store(this.i32, this.layout.endWord(slot, end, E_OCTETS + i), view.getInt32(i * 4, true));
  }
}
