// A server's output, held back until it is known to be running. No Node
// imports: the browser's serve() holds its core's output the same way.

/**
 * Holds what a server writes until it is known to be running: passed on
 * then, or, if it ended first, kept to explain why (the core's usage line)
 * and not printed twice. Past `limit` bytes it stops holding and passes
 * everything on, in order.
 */
export class HeldOutput {
  private held: Uint8Array[] | null = [];
  private heldBytes = 0;

  constructor(
    private readonly pass: (bytes: Uint8Array) => void,
    private readonly limit = 64 * 1024,
  ) {}

  readonly sink = (bytes: Uint8Array): void => {
    if (this.held !== null && this.heldBytes + bytes.byteLength <= this.limit) {
      this.held.push(bytes);
      this.heldBytes += bytes.byteLength;
    } else {
      this.release();
      this.pass(bytes);
    }
  };

  /** What was held, as text (decoded as one stream: a character split between writes stays whole). */
  text(): string {
    const decoder = new TextDecoder();
    return (this.held ?? []).map((bytes) => decoder.decode(bytes, { stream: true })).join('') + decoder.decode();
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const bytes of held) this.pass(bytes);
  }
}
