import { ERRNO_FAULT, WasiErrnoError } from '../wasi/index.js';

/**
 * The module's linear memory, given to the host after instantiation.
 *
 * Memory can grow between two calls, which detaches the old ArrayBuffer (or,
 * for shared memory, makes a longer one): the views are rebuilt whenever
 * `memory.buffer` is no longer the buffer they were made on, so every import
 * sees memory as it is at the time of the call.
 */
export class GuestMemory {
  private memory: WebAssembly.Memory | null = null;
  private buffer: ArrayBufferLike | null = null;
  private dataView = new DataView(new ArrayBuffer(0));
  private bytes8 = new Uint8Array(0);

  set(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.buffer = null;
  }

  get attached(): boolean {
    return this.memory !== null;
  }

  view(): DataView {
    this.refresh();
    return this.dataView;
  }

  bytes(): Uint8Array {
    this.refresh();
    return this.bytes8;
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
