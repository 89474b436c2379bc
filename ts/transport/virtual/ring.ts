// One direction of one connection: a byte ring in the network's shared
// memory with exactly one writer and one reader (layout.ts). The owner half
// writes the inbound rings and reads the outbound ones; the module half the
// other way round. A writer that finds its ring full asks the reader, through
// the ring's wants-room word, to say when it has read.

import { ioLength } from '../io-list.js';
import type { IoList } from '../types.js';

export class ByteRing {
  constructor(
    private readonly i32: Int32Array,
    private readonly bytes: Uint8Array,
    /** Byte offset of the ring's first byte. */
    private readonly base: number,
    /** A power of two. */
    readonly capacity: number,
    /** Int32 indices of its read position, write position and wants-room word. */
    private readonly headWord: number,
    private readonly tailWord: number,
    private readonly wantsRoomWord: number,
  ) {}

  /** Bytes written and not yet read. */
  get fill(): number {
    return (Atomics.load(this.i32, this.tailWord) - Atomics.load(this.i32, this.headWord)) | 0;
  }

  /**
   * Writer: the room there is now. With none, asks the reader to say when it
   * reads, and looks again: the reader may have read between the two looks
   * without seeing the request.
   */
  room(): number {
    const room = this.capacity - this.fill;
    if (room > 0) return room;
    Atomics.store(this.i32, this.wantsRoomWord, 1);
    return this.capacity - this.fill;
  }

  /** Writer: copies the first `n` bytes of the gather list in (n <= room()) and publishes them. */
  write(from: IoList, n: number): void {
    let pos = Atomics.load(this.i32, this.tailWord);
    let left = n;
    for (let i = 0; i < from.count && left > 0; i++) {
      const take = Math.min(from.iov[2 * i + 1]!, left);
      this.copyIn(pos, from.mem, from.iov[2 * i]!, take);
      pos = (pos + take) | 0;
      left -= take;
    }
    Atomics.store(this.i32, this.tailWord, pos);
  }

  /** Reader: copies buffered bytes into the scatter list, in order, and removes them unless peeking. Returns the count. */
  read(into: IoList, peek: boolean): number {
    const head = Atomics.load(this.i32, this.headWord);
    const n = Math.min(this.fill, ioLength(into));
    let pos = head;
    let left = n;
    for (let i = 0; i < into.count && left > 0; i++) {
      const take = Math.min(into.iov[2 * i + 1]!, left);
      this.copyOut(pos, into.mem, into.iov[2 * i]!, take);
      pos = (pos + take) | 0;
      left -= take;
    }
    if (!peek && n > 0) Atomics.store(this.i32, this.headWord, pos);
    return n;
  }

  /** Reader: removes everything buffered. */
  drop(): void {
    Atomics.store(this.i32, this.headWord, Atomics.load(this.i32, this.tailWord));
  }

  /** Reader, after removing bytes: whether the writer asked to be told (the request is answered now). */
  takeRoomRequest(): boolean {
    if (Atomics.load(this.i32, this.wantsRoomWord) === 0) return false;
    Atomics.store(this.i32, this.wantsRoomWord, 0);
    return true;
  }

  /** The ring may wrap: at most two copies. */
  private copyIn(pos: number, src: Uint8Array, at: number, n: number): void {
    const start = pos & (this.capacity - 1);
    const first = Math.min(n, this.capacity - start);
    this.bytes.set(src.subarray(at, at + first), this.base + start);
    if (first < n) this.bytes.set(src.subarray(at + first, at + n), this.base);
  }

  private copyOut(pos: number, dst: Uint8Array, at: number, n: number): void {
    const start = pos & (this.capacity - 1);
    const first = Math.min(n, this.capacity - start);
    dst.set(this.bytes.subarray(this.base + start, this.base + start + first), at);
    if (first < n) dst.set(this.bytes.subarray(this.base, this.base + n - first), at + first);
  }
}
