import { ERRNO_FAULT, IOV_MAX, WasiErrnoError, checkSpan, readIovecsInto } from '../wasi/index.js';
import type { IoList } from '../transport/types.js';

/**
 * The module's linear memory, given to the host after instantiation.
 *
 * Memory can grow between two calls, which detaches the old ArrayBuffer (or,
 * for shared memory, makes a longer one): the views are rebuilt whenever
 * `memory.buffer` is no longer the buffer they were made on, so every import
 * sees memory as it is at the time of the call. Asking `memory.buffer` costs
 * more than most of a recv, so an ordinary memory is asked only once its
 * views went dead (a detached buffer reads as length 0); a shared one, which
 * grows without detaching, is asked every time.
 */
export class GuestMemory {
  private memory: WebAssembly.Memory | null = null;
  private shared = false;
  private buffer: ArrayBufferLike | null = null;
  private dataView = new DataView(new ArrayBuffer(0));
  private bytes8 = new Uint8Array(0);
  /** One scatter/gather list, reused by every call: the data path allocates nothing. */
  private readonly io: IoList = { mem: this.bytes8, iov: new Uint32Array(2 * IOV_MAX), count: 0 };

  set(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    this.buffer = null;
    this.bytes8 = new Uint8Array(0);
  }

  view(): DataView {
    if (this.bytes8.length === 0 || this.shared) this.refresh();
    return this.dataView;
  }

  bytes(): Uint8Array {
    if (this.bytes8.length === 0 || this.shared) this.refresh();
    return this.bytes8;
  }

  /** Throws EFAULT unless [ptr, ptr + size) lies in memory (checkRange, without asking a DataView its length). */
  check(ptr: number, size: number): void {
    checkSpan(this.bytes().length, ptr, size);
  }

  /**
   * The module's iovec array at `ptr` as a scatter/gather list, every buffer
   * checked to lie in memory (EFAULT, or EINVAL past IOV_MAX, thrown as
   * WasiErrnoError). Valid until the next call.
   */
  ioList(ptr: number, count: number): IoList {
    const view = this.view();
    this.io.count = readIovecsInto(view, ptr, count, this.io.iov, IOV_MAX, this.bytes8.length);
    this.io.mem = this.bytes8;
    return this.io;
  }

  private refresh(): void {
    if (this.memory === null) throw new WasiErrnoError(ERRNO_FAULT, 'the host has no memory yet: call setMemory() after instantiation');
    const buffer = this.memory.buffer;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.dataView = new DataView(buffer);
      this.bytes8 = new Uint8Array(buffer);
    }
  }
}

/** Drops the first `n` bytes of a list in place (after a partial transfer). */
export function advanceIo(io: IoList, n: number): void {
  let skip = 0;
  while (skip < io.count && n >= io.iov[2 * skip + 1]!) {
    n -= io.iov[2 * skip + 1]!;
    skip++;
  }
  if (skip > 0) {
    io.iov.copyWithin(0, 2 * skip, 2 * io.count);
    io.count -= skip;
  }
  if (n > 0 && io.count > 0) {
    io.iov[0] = io.iov[0]! + n;
    io.iov[1] = io.iov[1]! - n;
  }
}
