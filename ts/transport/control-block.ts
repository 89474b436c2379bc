// The little state both threads of a running module share, whatever the
// transport: the owner's stop request and its end of the grace, and the
// connection counters. The counters are kept here, once, so that the owner
// reads them without asking the module's thread: the host counts what the
// module did (accepted, closed, bytes each way) and the transport counts the
// connections it refused itself.
// Each counter has one writing thread, so plain stores are enough; readers may
// see a value a moment old.

/** Connection counters, as serve().stats() reports them. */
export interface ConnectionStats {
  /** Connections the module accepted. */
  accepted: number;
  /** Connections refused before the module saw them (backlog full, out of fds). */
  refused: number;
  /** Connections the module opened itself (WASIX sock_connect), refused ones included. */
  connected: number;
  /** Connections (accepted or opened) the module closed. */
  closed: number;
  /** Connections (accepted or opened) not yet closed. */
  open: number;
  /** Calls the network policy denied (connects and listens outside it). */
  denied: number;
  /** Bytes the module received. */
  bytesIn: number;
  /** Bytes the module's sends accepted. */
  bytesOut: number;
}

const STOP = 0;
const END = 1;
const FLAG_WORDS = 2;

const ACCEPTED = 0;
const REFUSED = 1;
const CLOSED = 2;
const BYTES_IN = 3;
const BYTES_OUT = 4;
const CONNECTED = 5;
const DENIED = 6;
const COUNTERS = 7;

const BYTES = FLAG_WORDS * 4 + COUNTERS * 8;

export class ControlBlock {
  private readonly flags: Int32Array;
  private readonly counts: Float64Array;

  /** A new block, or a view of one made on another thread. */
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(BYTES)) {
    if (buffer.byteLength !== BYTES) throw new RangeError(`a ControlBlock is ${BYTES} bytes, got ${buffer.byteLength}`);
    this.flags = new Int32Array(buffer, 0, FLAG_WORDS);
    this.counts = new Float64Array(buffer, FLAG_WORDS * 4, COUNTERS);
  }

  get stopRequested(): boolean {
    return Atomics.load(this.flags, STOP) !== 0;
  }

  /** Only sets the flag: the transport owner's wake() makes a sleeping module notice. */
  requestStop(): void {
    Atomics.store(this.flags, STOP, 1);
  }

  /**
   * The grace is over (or the process is exiting): the module's thread must
   * not sleep again. Unlike a stop, which a module may spend sleeping in its
   * waits, this holds every wait open until the thread is gone.
   */
  get endRequested(): boolean {
    return Atomics.load(this.flags, END) !== 0;
  }

  /** Also a stop request. Only sets the flags: the owner's wake() makes a sleeping module notice. */
  requestEnd(): void {
    Atomics.store(this.flags, STOP, 1);
    Atomics.store(this.flags, END, 1);
  }

  /**
   * The stop and end words ([0] stop, [1] end: 0, or 1 once requested), for
   * native code that sets them where no JavaScript runs: the kernel
   * transport's signal handler (the stop) and its watchdog (the end).
   */
  stopWords(): Int32Array {
    return this.flags.subarray(STOP, END + 1);
  }

  countAccepted(): void {
    this.counts[ACCEPTED]!++;
  }

  countRefused(): void {
    this.counts[REFUSED]!++;
  }

  countConnected(): void {
    this.counts[CONNECTED]!++;
  }

  countDenied(): void {
    this.counts[DENIED]!++;
  }

  countClosed(): void {
    this.counts[CLOSED]!++;
  }

  countIn(bytes: number): void {
    this.counts[BYTES_IN]! += bytes;
  }

  countOut(bytes: number): void {
    this.counts[BYTES_OUT]! += bytes;
  }

  stats(): ConnectionStats {
    const c = this.counts;
    const accepted = c[ACCEPTED]!;
    const connected = c[CONNECTED]!;
    const closed = c[CLOSED]!;
    return {
      accepted,
      refused: c[REFUSED]!,
      connected,
      closed,
      open: accepted + connected - closed,
      denied: c[DENIED]!,
      bytesIn: c[BYTES_IN]!,
      bytesOut: c[BYTES_OUT]!,
    };
  }
}
