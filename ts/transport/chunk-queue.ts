// Bytes queued as the chunks they arrived in, read out in order into a
// scatter list. The transports that keep socket state hold inbound data this way.

import type { IoList } from './types.js';

export class ChunkQueue {
  private chunks: Uint8Array[] = [];
  /** Bytes of chunks[0] already read. */
  private head = 0;
  length = 0;

  /** Queues `chunk` itself (no copy): the caller gives up the bytes. */
  append(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.byteLength;
  }

  /** Copies up to the list's total size, in order; removes the bytes unless peeking. */
  copyOut({ mem, iov, count }: IoList, peek: boolean): number {
    let chunk = 0;
    let offset = this.head;
    let n = 0;
    for (let i = 0; i < count && chunk < this.chunks.length; i++) {
      const base = iov[2 * i]!;
      const len = iov[2 * i + 1]!;
      let filled = 0;
      while (filled < len && chunk < this.chunks.length) {
        const src = this.chunks[chunk]!;
        const take = Math.min(len - filled, src.byteLength - offset);
        mem.set(src.subarray(offset, offset + take), base + filled);
        filled += take;
        offset += take;
        if (offset === src.byteLength) {
          chunk++;
          offset = 0;
        }
      }
      n += filled;
    }
    if (!peek) {
      this.chunks.splice(0, chunk);
      this.head = offset;
      this.length -= n;
    }
    return n;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.length = 0;
  }
}
