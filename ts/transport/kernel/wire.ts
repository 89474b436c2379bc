// What the kernel transport's two halves share. There is no message channel:
// the sockets are process-wide fds, so the owner half hands the module half
// the listeners' fds and an eventfd, and both see one table of open fds.
//
// The open-fd table lets the owner close what the module half left open when
// its thread was terminated instead of ending by itself. The module half sets
// an fd's bit before it uses it and clears it *before* closing it, so the
// owner may leak an fd in the worst case but never closes a number that was
// already reused for something else.

/** Fds tracked in the open-fd table (a bit each); higher fds would be left open if the module's thread were terminated. */
const TRACKED_FDS = 1 << 20;
/** Int32 words before the bitmap: [ENDED]. */
const HEADER_WORDS = 1;
const ENDED = 0;
/** Fds the table holds at first; it grows (from the thread adding one) up to TRACKED_FDS. */
const FIRST_FDS = 1024;

const bytesFor = (fds: number) => (HEADER_WORDS + fds / 32) * 4;

/**
 * Small at first and growable: a launch pays for the fds its module opens,
 * not for TRACKED_FDS (a 128 KiB buffer made, posted and scanned per module
 * was a quarter of what a short run() cost).
 */
export function openFdTableBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(bytesFor(FIRST_FDS), { maxByteLength: bytesFor(TRACKED_FDS) });
}

export class OpenFdTable {
  /** Tracks the buffer's length as it grows. */
  private readonly words: Int32Array;

  constructor(private readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
  }

  add(fd: number): void {
    if (fd >= TRACKED_FDS) return;
    const word = HEADER_WORDS + (fd >>> 5);
    if (word >= this.words.length) this.growFor(fd);
    Atomics.or(this.words, word, 1 << (fd & 31));
  }

  private growFor(fd: number): void {
    let fds = (this.buffer.byteLength / 4 - HEADER_WORDS) * 32;
    while (fds <= fd) fds *= 2;
    // Another thread may have grown it meanwhile: a shared buffer never shrinks.
    if (bytesFor(fds) > this.buffer.byteLength) this.buffer.grow(bytesFor(Math.min(fds, TRACKED_FDS)));
  }

  remove(fd: number): void {
    const word = HEADER_WORDS + (fd >>> 5);
    if (word < this.words.length) Atomics.and(this.words, word, ~(1 << (fd & 31)));
  }

  /** Every fd still marked open. */
  *open(): IterableIterator<number> {
    for (let w = HEADER_WORDS; w < this.words.length; w++) {
      const bits = Atomics.load(this.words, w);
      if (bits === 0) continue;
      for (let b = 0; b < 32; b++) if (bits & (1 << b)) yield (w - HEADER_WORDS) * 32 + b;
    }
  }

  /** The module half is done: it closed everything it held. */
  markEnded(): void {
    Atomics.store(this.words, ENDED, 1);
    Atomics.notify(this.words, ENDED);
  }

  /** Resolves once markEnded() was called (from any thread). */
  async ended(): Promise<void> {
    while (Atomics.load(this.words, ENDED) === 0) {
      const result = Atomics.waitAsync(this.words, ENDED, 0);
      if (result.async) await result.value;
    }
  }
}

/** What the module half needs; every field survives postMessage / workerData. */
export interface KernelModuleInit {
  kind: 'kernel';
  /** Listening sockets, in --tcplisten order: the handles are the fds. */
  listeners: number[];
  /** The owner's eventfd: readable means "look at the stop request". */
  wakeFd: number;
  /** OpenFdTable's buffer. */
  openFds: SharedArrayBuffer;
  [field: string]: unknown;
}
