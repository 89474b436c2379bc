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

export function openFdTableBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer((HEADER_WORDS + TRACKED_FDS / 32) * 4);
}

export class OpenFdTable {
  private readonly words: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
  }

  add(fd: number): void {
    if (fd < TRACKED_FDS) Atomics.or(this.words, HEADER_WORDS + (fd >>> 5), 1 << (fd & 31));
  }

  remove(fd: number): void {
    if (fd < TRACKED_FDS) Atomics.and(this.words, HEADER_WORDS + (fd >>> 5), ~(1 << (fd & 31)));
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
