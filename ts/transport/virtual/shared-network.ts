// One virtual network's shared memory as both halves use it: a Layout
// (layout.ts) over views of one SharedArrayBuffer. Every look at or change of
// a shared word goes through here, so the owner half (owner.ts) and the
// module half (module.ts) agree on what each means; each method says which
// half calls it.

import {
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
  PEER,
  SELF,
  SLOTS_MAPPED,
  type NetworkShape,
} from './layout.js';
import { ByteRing } from './ring.js';
import type { Handle } from '../types.js';

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

/** Grows a growable buffer to at least `bytes` (no-op for a fixed one, which is already whole). */
function growShared(buffer: SharedArrayBuffer, bytes: number): void {
  if (buffer.growable === true && buffer.byteLength < bytes) buffer.grow(bytes);
}

export class SharedNetwork {
  readonly layout: Layout;
  private readonly i32: Int32Array;
  private readonly bytes: Uint8Array;

  /** Owner: a new network's memory, holding `slots` slots to begin with. */
  static create(shape: NetworkShape, slots: number): SharedNetwork {
    const layout = new Layout(shape);
    const initial = Math.min(layout.shape.slots, slots);
    const net = new SharedNetwork(allocateShared(layout.bytesFor(initial), layout.bytesFor(layout.shape.slots)), layout.shape);
    Atomics.store(net.i32, SLOTS_MAPPED, initial);
    return net;
  }

  /** Module half: the memory the owner created (its buffer and shape came in the module half's init). */
  constructor(
    readonly buffer: SharedArrayBuffer,
    shape: NetworkShape,
  ) {
    this.layout = new Layout(shape);
    // No length: the views follow the buffer as the owner grows it.
    this.i32 = new Int32Array(buffer);
    this.bytes = new Uint8Array(buffer);
  }

  // ---- waking each other --------------------------------------------------------

  /** Either half: the module half's next wait() returns (it sleeps on MODULE_SEQ). */
  wakeModule(): void {
    Atomics.add(this.i32, MODULE_SEQ, 1);
    Atomics.notify(this.i32, MODULE_SEQ);
  }

  /** Either half: the owner's loop looks at its change queue (it sleeps on OWNER_SEQ). */
  wakeOwner(): void {
    Atomics.add(this.i32, OWNER_SEQ, 1);
    Atomics.notify(this.i32, OWNER_SEQ);
  }

  /** Module half: the wake count it sleeps on. */
  moduleSeq(): number {
    return Atomics.load(this.i32, MODULE_SEQ);
  }

  /** Module half: blocks while the wake count is `seen`, for at most `ms` (Infinity: no limit). */
  sleepModule(seen: number, ms: number): void {
    Atomics.wait(this.i32, MODULE_SEQ, seen, ms);
  }

  /** Owner: the wake count it sleeps on. */
  ownerSeq(): number {
    return Atomics.load(this.i32, OWNER_SEQ);
  }

  /** Owner: resolves once the wake count is no longer `seen` (never blocks the thread). */
  async sleepOwner(seen: number): Promise<void> {
    const waiting = Atomics.waitAsync(this.i32, OWNER_SEQ, seen);
    if (waiting.async) await waiting.value;
  }

  // ---- the change queues --------------------------------------------------------

  /** Owner: handle `handle` changed. */
  queueForModule(handle: Handle): void {
    this.layout.queueForModule(this.i32, handle);
  }

  /** Module half: the next changed handle, or -1. */
  takeForModule(): Handle {
    return this.layout.takeForModule(this.i32);
  }

  /** Module half: slot `slot` changed. */
  queueForOwner(slot: number): void {
    this.layout.queueForOwner(this.i32, slot);
  }

  /** Owner: the next changed slot, or -1. */
  takeForOwner(): number {
    return this.layout.takeForOwner(this.i32);
  }

  // ---- listeners ----------------------------------------------------------------

  /** Connections waiting on listener `index` for accept(). */
  pending(index: number): number {
    return this.layout.pending(this.i32, index);
  }

  /** Owner: queues slot `slot` for accept(); false when the backlog is full. */
  pushPending(index: number, slot: number): boolean {
    return this.layout.pushPending(this.i32, index, slot);
  }

  /** The next pending slot, or -1: the module half's until it closed the listener, then the owner's. */
  popPending(index: number): number {
    return this.layout.popPending(this.i32, index);
  }

  /** Module half: the listener is closed; the owner resets what waits on it. */
  closeListener(index: number): void {
    Atomics.store(this.i32, this.layout.listenerWord(index, L_CLOSED), 1);
  }

  listenerClosed(index: number): boolean {
    return Atomics.load(this.i32, this.layout.listenerWord(index, L_CLOSED)) !== 0;
  }

  // ---- slots --------------------------------------------------------------------

  /** Owner: slots the buffer holds now. */
  get slotsMapped(): number {
    return Atomics.load(this.i32, SLOTS_MAPPED);
  }

  /** Owner: grows the buffer to hold `slots` slots. */
  mapSlots(slots: number): void {
    growShared(this.buffer, this.layout.bytesFor(slots));
    Atomics.store(this.i32, SLOTS_MAPPED, slots);
  }

  /** Owner, for a slot taken into use. */
  resetSlot(slot: number): void {
    this.layout.resetSlot(this.i32, slot);
  }

  /** What the peer did to the connection in `slot`: P_* bits. */
  peer(slot: number): number {
    return Atomics.load(this.i32, this.layout.slotWord(slot, PEER));
  }

  /** Owner: adds P_* bits. */
  addPeer(slot: number, bits: number): void {
    Atomics.or(this.i32, this.layout.slotWord(slot, PEER), bits);
  }

  /** What the module did to the connection in `slot`: S_* bits. */
  self(slot: number): number {
    return Atomics.load(this.i32, this.layout.slotWord(slot, SELF));
  }

  /** Module half: adds S_* bits. */
  addSelf(slot: number, bits: number): void {
    Atomics.or(this.i32, this.layout.slotWord(slot, SELF), bits);
  }

  /** The bytes from the peer to the module: the owner writes, the module half reads. */
  inbound(slot: number): ByteRing {
    const w = (word: number) => this.layout.slotWord(slot, word);
    return new ByteRing(this.i32, this.bytes, this.layout.inboundRing(slot), this.layout.shape.inbound, w(IN_HEAD), w(IN_TAIL), w(OWNER_WANTS_ROOM));
  }

  /** The bytes from the module to the peer: the module half writes, the owner reads. */
  outbound(slot: number): ByteRing {
    const w = (word: number) => this.layout.slotWord(slot, word);
    return new ByteRing(this.i32, this.bytes, this.layout.outboundRing(slot), this.layout.shape.outbound, w(OUT_HEAD), w(OUT_TAIL), w(MODULE_WANTS_ROOM));
  }

  // ---- the end ------------------------------------------------------------------

  /** Module half: it will touch nothing more. */
  end(): void {
    Atomics.store(this.i32, ENDED, 1);
  }

  ended(): boolean {
    return Atomics.load(this.i32, ENDED) !== 0;
  }
}
