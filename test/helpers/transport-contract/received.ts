// What a peer has read from the module and the test has not taken yet, in order.

export class Received {
  private chunks: Uint8Array[] = [];
  /** Bytes held. */
  length = 0;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first `n` bytes held (n <= length), no longer held. */
  take(n: number): Uint8Array {
    const all = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    this.chunks = n < all.length ? [all.subarray(n)] : [];
    this.length = all.length - n;
    return all.subarray(0, n);
  }
}
