// The shared memory of one virtual network: every byte and every flag the two
// halves exchange, in one SharedArrayBuffer. The owner half (owner.ts: the
// page, or a Node thread) and the module half (module.ts: the module's
// worker) never post messages to each other once the module runs — a worker
// blocked in wasm cannot receive one — they only read and write this memory
// and wake each other with Atomics.notify, both through SharedNetwork
// (shared-network.ts); a connection's bytes are its two rings (ring.ts).
//
//   header      wake-up words, the two change queues, the listeners
//   slots       one per connection: state words, inbound ring, outbound ring
//
// Every ring and queue has exactly one writer and one reader (single producer,
// single consumer): positions are free-running 32-bit counters, capacities
// powers of two, so `tail - head` is the fill and `pos & (cap - 1)` the index.
// Only the owner allocates and frees slots, so allocation needs no lock.
//
// Change queues. A side that changes a slot (bytes written, a flag set) puts
// its id on the other side's queue, once: a per-slot QUEUED word, set with
// compareExchange by the writer and cleared by the reader before it looks, so
// an id is on a queue at most once and a queue can never overflow (its
// capacity is the number of ids). The QUEUED words survive a slot's reuse for
// the same reason.
//
// The buffer grows (a growable SharedArrayBuffer) as more slots are in use at
// once, up to the network's capacity; views made without a length follow it.

import type { Handle } from '../types.js';

/** Sizes both halves derive the layout from; they travel in the module half's init. */
export interface NetworkShape {
  /** Connections that can exist at once (slots). */
  slots: number;
  listeners: number;
  /** Pending connections per listener (accept queue capacity, a power of two). */
  backlog: number;
  /** Inbound ring bytes per connection (a power of two). */
  inbound: number;
  /** Outbound ring bytes per connection (a power of two). */
  outbound: number;
}

// ---- header words (Int32 indices) ----------------------------------------------

/** Bumped by the owner when the module half has news (or must wake); the module waits on it. */
export const MODULE_SEQ = 0;
/** Bumped by the module half when the owner has news; the owner waits on it (waitAsync). */
export const OWNER_SEQ = 1;
/** Set by the module half in end(): it will touch nothing more. */
export const ENDED = 2;
/** Slots the buffer holds now (it grows); written by the owner only. */
export const SLOTS_MAPPED = 3;
/** Owner → module change queue: head, tail (ids are handles). */
const MQ_HEAD = 4;
const MQ_TAIL = 5;
/** Module → owner change queue: head, tail (ids are slot numbers). */
const OQ_HEAD = 6;
const OQ_TAIL = 7;
const FIXED_WORDS = 8;

// Per listener, after the fixed words: LISTENER_WORDS words, then its accept queue.
/** 0 open; 1 closed by the module. */
export const L_CLOSED = 0;
/** On the module's change queue. */
const L_QUEUED = 1;
/** Accept queue positions: head (module), tail (owner). */
const L_HEAD = 2;
const L_TAIL = 3;
const LISTENER_WORDS = 4;

// ---- slot words (Int32 indices from the slot's base) ---------------------------

/** Inbound ring (owner writes, module reads): read position (module), write position (owner). */
export const IN_HEAD = 0;
export const IN_TAIL = 1;
/** Outbound ring (module writes, owner reads): read position (owner), write position (module). */
export const OUT_HEAD = 2;
export const OUT_TAIL = 3;
/** What the peer (the owner's client) did: P_* bits, set by the owner. */
export const PEER = 4;
/** What the module did: S_* bits, set by the module half. */
export const SELF = 5;
/** On the module's / the owner's change queue. */
const M_QUEUED = 6;
const O_QUEUED = 7;
/** The owner has bytes waiting for room in the inbound ring: tell it when the module reads. */
export const OWNER_WANTS_ROOM = 8;
/** The module found the outbound ring full: tell it when the owner reads. */
export const MODULE_WANTS_ROOM = 9;
const SLOT_WORDS = 16;

/** The peer sent FIN: the module reads EOF after the buffered bytes. */
export const P_FIN = 1;
/** The peer closed: it reads nothing more (the module's sends fail). */
export const P_CLOSED = 2;
/** The peer reset the connection: ECONNRESET for the module, once. */
export const P_RESET = 4;

/** The module shut down writing: the peer reads EOF after the outbound bytes. */
export const S_SHUT_WR = 1;
/** The module shut down reading: inbound bytes are dropped. */
export const S_SHUT_RD = 2;
/** The module released the connection (close(2)): EOF after the outbound bytes. */
export const S_CLOSED = 4;
/** The module closed with unread input, or its listener closed before accepting: the peer is reset. */
export const S_RESET = 8;

const MIN_RING = 256;
const MAX_RING = 1 << 24;
const MAX_SLOTS = 1 << 20;
const MAX_LISTENERS = 64;

function pow2AtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The shape with ring sizes rounded up to powers of two, checked; a RangeError says what is wrong. */
function normalShape(shape: NetworkShape): NetworkShape {
  const check = (name: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`virtual network: ${name} must be a whole number from ${min} to ${max}, got ${value}`);
    }
  };
  check('slots (connections at once)', shape.slots, 1, MAX_SLOTS);
  check('listeners', shape.listeners, 0, MAX_LISTENERS);
  check('acceptBacklog', shape.backlog, 1, 1 << 16);
  check('inbound', shape.inbound, 1, MAX_RING);
  check('outbound', shape.outbound, 1, MAX_RING);
  return {
    slots: shape.slots,
    listeners: shape.listeners,
    backlog: pow2AtLeast(shape.backlog),
    inbound: Math.max(MIN_RING, pow2AtLeast(shape.inbound)),
    outbound: Math.max(MIN_RING, pow2AtLeast(shape.outbound)),
  };
}

/**
 * The most shared memory one network may take: the largest buffer Node 20's
 * V8 makes (a growable buffer reserves its whole maximum when it is made).
 */
export const MAX_NETWORK_BYTES = 2 ** 32;

/** Where the header's parts start and how big a slot is, for a normal shape. */
function measure({ slots, listeners, backlog, inbound, outbound }: NetworkShape) {
  const mqCap = pow2AtLeast(slots + listeners);
  const oqCap = pow2AtLeast(slots);
  const mqBase = FIXED_WORDS;
  const oqBase = mqBase + mqCap;
  const listenerBase = oqBase + oqCap;
  const listenerStride = LISTENER_WORDS + backlog;
  const headerWords = listenerBase + listeners * listenerStride;
  const slotsOffset = Math.ceil((headerWords * 4) / 64) * 64;
  const slotBytes = SLOT_WORDS * 4 + inbound + outbound;
  return { mqCap, oqCap, mqBase, oqBase, listenerBase, listenerStride, slotsOffset, slotBytes, maxBytes: slotsOffset + slots * slotBytes };
}

/** The most slots, up to `wanted`, whose network fits in MAX_NETWORK_BYTES with the shape's other sizes. */
export function slotsThatFit(shape: Omit<NetworkShape, 'slots'>, wanted: number): number {
  const fits = (slots: number) => measure(normalShape({ ...shape, slots })).maxBytes <= MAX_NETWORK_BYTES;
  if (fits(wanted)) return wanted;
  let lo = 1;
  let hi = wanted;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Where everything is, for one shape. Both halves build the same Layout from the same shape. */
export class Layout {
  readonly shape: NetworkShape;
  /** Capacity of the module's change queue (every handle) and of the owner's (every slot). */
  private readonly mqCap: number;
  private readonly oqCap: number;
  private readonly mqBase: number;
  private readonly oqBase: number;
  private readonly listenerBase: number;
  private readonly listenerStride: number;
  /** Byte offset of slot 0, and bytes per slot (words + both rings). */
  readonly slotsOffset: number;
  readonly slotBytes: number;

  constructor(shape: NetworkShape) {
    this.shape = normalShape(shape);
    const m = measure(this.shape);
    const { slots, inbound, outbound } = this.shape;
    if (m.maxBytes > MAX_NETWORK_BYTES) {
      throw new RangeError(
        `virtual network: ${slots} connections with rings of ${inbound} + ${outbound} bytes need ${m.maxBytes} bytes of shared memory, ` +
          `more than one shared buffer holds (${MAX_NETWORK_BYTES}): allow fewer connections or smaller inbound/outbound limits`,
      );
    }
    this.mqCap = m.mqCap;
    this.oqCap = m.oqCap;
    this.mqBase = m.mqBase;
    this.oqBase = m.oqBase;
    this.listenerBase = m.listenerBase;
    this.listenerStride = m.listenerStride;
    this.slotsOffset = m.slotsOffset;
    this.slotBytes = m.slotBytes;
  }

  /** Bytes the buffer needs to hold `slots` slots. */
  bytesFor(slots: number): number {
    return this.slotsOffset + slots * this.slotBytes;
  }

  // ---- handles: connections are slot + 1, listeners follow the slots ----------

  connectionHandle(slot: number): Handle {
    return slot + 1;
  }

  listenerHandle(index: number): Handle {
    return this.shape.slots + 1 + index;
  }

  /** The slot of a connection handle, or -1. */
  slotOf(handle: Handle): number {
    return Number.isInteger(handle) && handle >= 1 && handle <= this.shape.slots ? handle - 1 : -1;
  }

  /** The listener index of a handle, or -1. */
  listenerOf(handle: Handle): number {
    const i = handle - this.shape.slots - 1;
    return Number.isInteger(i) && i >= 0 && i < this.shape.listeners ? i : -1;
  }

  // ---- word indices -------------------------------------------------------------

  /** Index (Int32) of word `word` of slot `slot`. */
  slotWord(slot: number, word: number): number {
    return (this.slotsOffset + slot * this.slotBytes) / 4 + word;
  }

  /** Byte offset of a slot's inbound ring; its outbound ring follows. */
  inboundRing(slot: number): number {
    return this.slotsOffset + slot * this.slotBytes + SLOT_WORDS * 4;
  }

  outboundRing(slot: number): number {
    return this.inboundRing(slot) + this.shape.inbound;
  }

  listenerWord(index: number, word: number): number {
    return this.listenerBase + index * this.listenerStride + word;
  }

  // ---- the accept queue of a listener (owner pushes slots, module pops) --------

  pending(i32: Int32Array, listener: number): number {
    return (Atomics.load(i32, this.listenerWord(listener, L_TAIL)) - Atomics.load(i32, this.listenerWord(listener, L_HEAD))) | 0;
  }

  /** False when the backlog is full. */
  pushPending(i32: Int32Array, listener: number, slot: number): boolean {
    if (this.pending(i32, listener) >= this.shape.backlog) return false;
    const tail = Atomics.load(i32, this.listenerWord(listener, L_TAIL));
    Atomics.store(i32, this.listenerWord(listener, LISTENER_WORDS + (tail & (this.shape.backlog - 1))), slot);
    Atomics.store(i32, this.listenerWord(listener, L_TAIL), (tail + 1) | 0);
    return true;
  }

  /** The next pending slot, or -1. Only the module pops, until it closed the listener; then only the owner. */
  popPending(i32: Int32Array, listener: number): number {
    if (this.pending(i32, listener) === 0) return -1;
    const head = Atomics.load(i32, this.listenerWord(listener, L_HEAD));
    const slot = Atomics.load(i32, this.listenerWord(listener, LISTENER_WORDS + (head & (this.shape.backlog - 1))));
    Atomics.store(i32, this.listenerWord(listener, L_HEAD), (head + 1) | 0);
    return slot;
  }

  // ---- the change queues --------------------------------------------------------

  /** Owner: tells the module half that handle `handle` changed. False if it was queued already. */
  queueForModule(i32: Int32Array, handle: Handle): boolean {
    const flag = this.moduleQueuedWord(handle);
    if (Atomics.compareExchange(i32, flag, 0, 1) !== 0) return false;
    push(i32, this.mqBase, this.mqCap, MQ_HEAD, MQ_TAIL, handle);
    return true;
  }

  /** Module half: the next changed handle, or -1. Its flag is cleared first, so a later change queues it again. */
  takeForModule(i32: Int32Array): Handle {
    const handle = pop(i32, this.mqBase, this.mqCap, MQ_HEAD, MQ_TAIL);
    if (handle >= 0) Atomics.store(i32, this.moduleQueuedWord(handle), 0);
    return handle;
  }

  /** Module half: tells the owner that slot `slot` changed. False if it was queued already. */
  queueForOwner(i32: Int32Array, slot: number): boolean {
    if (Atomics.compareExchange(i32, this.slotWord(slot, O_QUEUED), 0, 1) !== 0) return false;
    push(i32, this.oqBase, this.oqCap, OQ_HEAD, OQ_TAIL, slot);
    return true;
  }

  /** Owner: the next changed slot, or -1. */
  takeForOwner(i32: Int32Array): number {
    const slot = pop(i32, this.oqBase, this.oqCap, OQ_HEAD, OQ_TAIL);
    if (slot >= 0) Atomics.store(i32, this.slotWord(slot, O_QUEUED), 0);
    return slot;
  }

  /** Owner, for a slot taken into use: every word but the QUEUED ones (see the top of this file) back to 0. */
  resetSlot(i32: Int32Array, slot: number): void {
    for (const word of [IN_HEAD, IN_TAIL, OUT_HEAD, OUT_TAIL, PEER, SELF, OWNER_WANTS_ROOM, MODULE_WANTS_ROOM]) {
      Atomics.store(i32, this.slotWord(slot, word), 0);
    }
  }

  private moduleQueuedWord(handle: Handle): number {
    const slot = this.slotOf(handle);
    if (slot >= 0) return this.slotWord(slot, M_QUEUED);
    const listener = this.listenerOf(handle);
    if (listener < 0) throw new RangeError(`virtual network: ${handle} is no handle of this network`);
    return this.listenerWord(listener, L_QUEUED);
  }
}

function push(i32: Int32Array, base: number, cap: number, headWord: number, tailWord: number, id: number): void {
  const tail = Atomics.load(i32, tailWord);
  // Cannot happen (an id is queued at most once and the capacity counts every
  // id), but a full queue must never overwrite an entry the reader has not taken.
  if (((tail - Atomics.load(i32, headWord)) | 0) >= cap) throw new Error('virtual network: change queue overflow');
  Atomics.store(i32, base + (tail & (cap - 1)), id);
  Atomics.store(i32, tailWord, (tail + 1) | 0);
}

function pop(i32: Int32Array, base: number, cap: number, headWord: number, tailWord: number): number {
  const head = Atomics.load(i32, headWord);
  if (head === Atomics.load(i32, tailWord)) return -1;
  const id = Atomics.load(i32, base + (head & (cap - 1)));
  Atomics.store(i32, headWord, (head + 1) | 0);
  return id;
}

/** What the module half needs (it survives postMessage and workerData: the buffer is shared, not copied). */
export interface VirtualModuleInit {
  kind: 'virtual';
  net: SharedArrayBuffer;
  shape: NetworkShape;
  [field: string]: unknown;
}
