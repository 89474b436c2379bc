// Bytes queued as the chunks they arrived in, read out in order into a
// scatter list. Both transports keep inbound data this way.

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

  /** Copies up to the total size of `into`, in order; removes the bytes unless peeking. */
  copyOut(into: readonly Uint8Array[], peek: boolean): number {
    let chunk = 0;
    let offset = this.head;
    let n = 0;
    for (const dest of into) {
      let filled = 0;
      while (filled < dest.byteLength && chunk < this.chunks.length) {
        const src = this.chunks[chunk]!;
        const take = Math.min(dest.byteLength - filled, src.byteLength - offset);
        dest.set(src.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (offset === src.byteLength) {
          chunk++;
          offset = 0;
        }
      }
      n += filled;
      if (chunk >= this.chunks.length) break;
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
