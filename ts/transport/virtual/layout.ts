// The shared memory of one virtual network: every byte and every flag its
// participants exchange, in one SharedArrayBuffer. The participants are the
// page (or a Node thread: the owner halves, their clients and servers) and
// every module on the network, each in its own worker. Once a module runs they
// never post messages to each other — a worker blocked in wasm cannot receive
// one — they only read and write this memory and wake each other with
// Atomics.notify, all through SharedNetwork (shared-network.ts).
//
//   header        the lock, the participants (a wake word and a change queue
//                 each), the listeners (an address and an accept queue each),
//                 the slot bitmap
//   slots         one per connection: its two ends' words, then two rings
//
// A connection has two ends: end 0 dialled (a page client, or a module that
// connected), end 1 accepted (the participant that owns the listener). Each
// end writes one ring and reads the other (ring e is written by end e), sets
// its own bits (E_BITS: what it did) and reads the other end's. Every ring
// has one writer and one reader: positions are free-running 32-bit counters,
// capacities powers of two, so `tail - head` is the fill.
//
// Change queues. A participant that changes something another must see (bytes
// written or read, a bit set, a connection queued on a listener) puts the id
// of what changed on the owner's queue, once: the id's QUEUED word is set with
// compareExchange by the writer and cleared by the reader before it looks, so
// an id is on a queue at most once and a queue never overflows (its capacity
// counts every id). Several participants may write one queue: a writer takes a
// position with Atomics.add and stores id + 1 there; the reader stops at a
// position still 0 (being written: the writer's wake-up follows).
//
// The lock (NET_LOCK) is held only for a few stores while the listener table
// or the slot bitmap changes, or a dial looks up its listener and queues on
// it: every participant takes it with compareExchange and never waits inside.
//
// The buffer grows (a growable SharedArrayBuffer) as more slots are in use at
// once, up to the network's capacity; views made without a length follow it.

import type { Handle } from '../types.js';

/** Sizes every participant derives the layout from; they travel in each module half's init. */
export interface NetworkShape {
  /** Connections that can exist at once (slots). */
  slots: number;
  /** Participants at most: the page and the modules on the network. */
  participants: number;
  /** Listening sockets at once, on the whole network. */
  listeners: number;
  /** Pending connections per listener (accept queue capacity, a power of two). */
  backlog: number;
  /** Bytes of the ring a connection's dialling end writes (what an accepting module receives; a power of two). */
  inbound: number;
  /** Bytes of the ring its accepting end writes (what an accepting module sends; a power of two). */
  outbound: number;
}

// ---- header words (Int32 indices) ----------------------------------------------

/** Slots the buffer holds now (it grows). */
export const SLOTS_MAPPED = 0;
/** 0 free, 1 held: see the top of this file. */
export const NET_LOCK = 1;
/** The next port `port 0` binds to. */
export const NEXT_PORT = 2;
const FIXED_WORDS = 4;

// Per participant: these words, then its change queue.
/** Bumped to wake the participant; it sleeps on it (Atomics.wait, or waitAsync on the page). */
export const P_SEQ = 0;
/** P_FREE, P_LIVE or P_ENDED. */
export const P_STATE = 1;
const P_HEAD = 2;
const P_TAIL = 3;
/** Connections refused on its listeners (a full backlog, a full network), for its owner's stats. */
export const P_REFUSED = 4;
const PARTICIPANT_WORDS = 8;

export const P_FREE = 0;
export const P_LIVE = 1;
/** The module half ended: it touches nothing more. */
export const P_ENDED = 2;

// Per listener: these words, then its accept queue (slot + 1 per entry, 0 while being written).
export const L_STATE = 0;
/** The participant that owns it (accepts on it). */
export const L_OWNER = 1;
/** On its owner's change queue. */
export const L_QUEUED = 2;
export const L_HEAD = 3;
export const L_TAIL = 4;
export const L_BACKLOG = 5;
/** Connections to it stay CONNECTING until its owner accepts them (a page server's `hold`). */
export const L_HOLD = 6;
export const L_PORT = 7;
/** Bytes of the host name (UTF-8), then the name from L_HOST. */
export const L_HOST_LEN = 8;
export const L_HOST = 9;
/** Longest host name a listener can have, in bytes. */
export const MAX_HOST_BYTES = 60;
const LISTENER_WORDS = L_HOST + MAX_HOST_BYTES / 4;

export const L_FREE = 0;
/** Bound (the address is taken), not yet listening. */
export const L_BOUND = 1;
export const L_LISTENING = 2;

// ---- slot words (Int32 indices from the slot's base) ---------------------------

/** Ends still attached; the one that detaches last frees the slot. */
export const S_REFS = 0;
/** S_ESTABLISHED once the connection is made (at once, unless the listener holds). */
export const S_STATE = 1;
export const S_ESTABLISHED = 1;
/** End e's words start at END_BASE + e * END_WORDS. */
const END_BASE = 2;
/** Its participant. */
export const E_OWNER = 0;
/** What this end did: B_* bits. */
export const E_BITS = 1;
/** Id (slot, e) is on E_OWNER's change queue. */
export const E_QUEUED = 2;
/** This end found its ring full: tell it when the other end reads. */
export const E_WANTS_ROOM = 3;
/** Its address: family (4 or 6) << 16 | port, then the 16 octets (4 words). */
export const E_ADDRESS = 4;
export const E_OCTETS = 5;
/** Its ring (written by this end): read position, write position. */
export const E_RING_HEAD = 9;
export const E_RING_TAIL = 10;
const END_WORDS = 11;
const SLOT_WORDS = END_BASE + 2 * END_WORDS + 2;

/** This end sent FIN (shut down writing, or closed): the other reads EOF after the bytes. */
export const B_FIN = 1;
/** This end released the connection (close(2)): it reads nothing more; bytes sent to it reset it. */
export const B_CLOSED = 2;
/** This end reset the connection: the other gets ECONNRESET, once. */
export const B_RESET = 4;
/** This end shut down reading: bytes sent to it are dropped. */
export const B_SHUT_RD = 8;
/** This end's participant let go of the slot (SharedNetwork.detach): it touches it no more. */
export const B_DETACHED = 16;

const MIN_RING = 256;
const MAX_RING = 1 << 24;
const MAX_SLOTS = 1 << 20;
const MAX_PARTICIPANTS = 256;
const MAX_LISTENERS = 4096;

function pow2AtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The shape with its sizes rounded up to powers of two, checked; a RangeError says what is wrong. */
function normalShape(shape: NetworkShape): NetworkShape {
  const check = (name: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`virtual network: ${name} must be a whole number from ${min} to ${max}, got ${value}`);
    }
  };
  check('slots (connections at once)', shape.slots, 1, MAX_SLOTS);
  check('participants', shape.participants, 1, MAX_PARTICIPANTS);
  check('listeners', shape.listeners, 1, MAX_LISTENERS);
  check('acceptBacklog', shape.backlog, 1, 1 << 16);
  check('inbound', shape.inbound, 1, MAX_RING);
  check('outbound', shape.outbound, 1, MAX_RING);
  return {
    slots: shape.slots,
    participants: shape.participants,
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
function measure({ slots, participants, listeners, backlog, inbound, outbound }: NetworkShape) {
  const queueCap = pow2AtLeast(2 * slots + listeners);
  const participantBase = FIXED_WORDS;
  const participantStride = PARTICIPANT_WORDS + queueCap;
  const listenerBase = participantBase + participants * participantStride;
  const listenerStride = LISTENER_WORDS + backlog;
  const bitmapBase = listenerBase + listeners * listenerStride;
  const headerWords = bitmapBase + Math.ceil(slots / 32);
  const slotsOffset = Math.ceil((headerWords * 4) / 64) * 64;
  const slotBytes = SLOT_WORDS * 4 + inbound + outbound;
  return { queueCap, participantBase, participantStride, listenerBase, listenerStride, bitmapBase, slotsOffset, slotBytes, maxBytes: slotsOffset + slots * slotBytes };
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

/** Where everything is, for one shape. Every participant builds the same Layout from the same shape. */
export class Layout {
  readonly shape: NetworkShape;
  readonly queueCap: number;
  private readonly participantBase: number;
  private readonly participantStride: number;
  private readonly listenerBase: number;
  private readonly listenerStride: number;
  readonly bitmapBase: number;
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
    this.queueCap = m.queueCap;
    this.participantBase = m.participantBase;
    this.participantStride = m.participantStride;
    this.listenerBase = m.listenerBase;
    this.listenerStride = m.listenerStride;
    this.bitmapBase = m.bitmapBase;
    this.slotsOffset = m.slotsOffset;
    this.slotBytes = m.slotBytes;
  }

  /** Bytes the buffer needs to hold `slots` slots. */
  bytesFor(slots: number): number {
    return this.slotsOffset + slots * this.slotBytes;
  }

  // ---- ids on the change queues: a connection's end, or a listener ------------

  endId(slot: number, end: 0 | 1): number {
    return slot * 2 + end;
  }

  listenerId(index: number): number {
    return 2 * this.shape.slots + index;
  }

  /** A module half's handles: an end is its id + 1, a listener its id + 1. */
  handleOf(id: number): Handle {
    return id + 1;
  }

  idOf(handle: Handle): number {
    return handle - 1;
  }

  /** A connection end's (slot, end) for an id, or null when the id is a listener's. */
  endOf(id: number): { slot: number; end: 0 | 1 } | null {
    if (!Number.isInteger(id) || id < 0 || id >= 2 * this.shape.slots) return null;
    return { slot: id >> 1, end: (id & 1) as 0 | 1 };
  }

  /** A listener's index for an id, or -1. */
  listenerOfId(id: number): number {
    const i = id - 2 * this.shape.slots;
    return Number.isInteger(i) && i >= 0 && i < this.shape.listeners ? i : -1;
  }

  // ---- word indices -------------------------------------------------------------

  participantWord(p: number, word: number): number {
    return this.participantBase + p * this.participantStride + word;
  }

  /** Entry `position` of participant p's change queue. */
  queueEntry(p: number, position: number): number {
    return this.participantBase + p * this.participantStride + PARTICIPANT_WORDS + (position & (this.queueCap - 1));
  }

  queueHead(p: number): number {
    return this.participantWord(p, P_HEAD);
  }

  queueTail(p: number): number {
    return this.participantWord(p, P_TAIL);
  }

  listenerWord(index: number, word: number): number {
    return this.listenerBase + index * this.listenerStride + word;
  }

  acceptEntry(index: number, position: number): number {
    return this.listenerBase + index * this.listenerStride + LISTENER_WORDS + (position & (this.shape.backlog - 1));
  }

  /** Index (Int32) of word `word` of slot `slot`. */
  slotWord(slot: number, word: number): number {
    return (this.slotsOffset + slot * this.slotBytes) / 4 + word;
  }

  endWord(slot: number, end: 0 | 1, word: number): number {
    return this.slotWord(slot, END_BASE + end * END_WORDS + word);
  }

  /** Byte offset of the ring end `end` writes, and its capacity. */
  ring(slot: number, end: 0 | 1): { base: number; capacity: number } {
    const first = this.slotsOffset + slot * this.slotBytes + SLOT_WORDS * 4;
    return end === 0 ? { base: first, capacity: this.shape.inbound } : { base: first + this.shape.inbound, capacity: this.shape.outbound };
  }

  /** The words of a slot to zero when it is taken into use (every word but the QUEUED ones, which survive reuse). */
  slotWordsToReset(slot: number): number[] {
    const words = [this.slotWord(slot, S_REFS), this.slotWord(slot, S_STATE)];
    for (const end of [0, 1] as const) {
      for (const w of [E_OWNER, E_BITS, E_WANTS_ROOM, E_ADDRESS, E_OCTETS, E_OCTETS + 1, E_OCTETS + 2, E_OCTETS + 3, E_RING_HEAD, E_RING_TAIL]) {
        words.push(this.endWord(slot, end, w));
      }
    }
    return words;
  }
}

/** What a module half needs (it survives postMessage and workerData: the buffer is shared, not copied). */
export interface VirtualModuleInit {
  kind: 'virtual';
  net: SharedArrayBuffer;
  shape: NetworkShape;
  /** The module's participant number on the network. */
  participant: number;
  /** The listeners made for it before it starts, as listener indices, in --tcplisten order. */
  listeners: number[];
  [field: string]: unknown;
}
