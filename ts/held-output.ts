// A server's output, held back until it is known to be running.

import type { Output } from './runtime/launch.js';

/**
 * Holds what a server writes until it is known to be running: passed on
 * then, or, if it ended first, kept to explain why (the core's usage line)
 * and not printed twice.
 */
export class HeldOutput {
  private held: Uint8Array[] | null = [];
  private heldBytes = 0;

  constructor(
    private readonly output: Output,
    private readonly stream: NodeJS.WritableStream,
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

  /** What was held, as text. */
  text(): string {
    return Buffer.concat(this.held ?? []).toString('utf8');
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const bytes of held) this.pass(bytes);
  }

  private pass(bytes: Uint8Array): void {
    if (this.output === 'inherit') this.stream.write(bytes);
    else if (typeof this.output === 'function') this.output(bytes);
  }
}
