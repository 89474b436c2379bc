// The module's stdout and stderr, as seen from the worker thread.

import { writeSync } from 'node:fs';
import { readIovecs } from '../wasi/index.js';
import type { StdioMode } from './types.js';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `bytes` to a process fd from the worker. The main thread may
 * have put a pipe on stdout into nonblocking mode: EAGAIN waits a moment and
 * retries instead of losing output.
 */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.byteLength) {
    try {
      at += writeSync(fd, bytes, at, bytes.byteLength - at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

/** A sink for one of the module's output fds, or null when the fd is inherited as is. */
export function outputSink(fd: 1 | 2, mode: StdioMode, onOutput: (fd: 1 | 2, bytes: Uint8Array) => void): ((bytes: Uint8Array) => void) | null {
  switch (mode) {
    case 'inherit':
      return null;
    case 'ignore':
      return () => {};
    case 'pipe':
      return (bytes) => onOutput(fd, bytes);
  }
}

/**
 * An fd_write for stdout/stderr that hands the bytes to `sink` (one copy,
 * which the sink may keep). Pointers are checked by readIovecs; the host's
 * guard turns its errors into errnos.
 */
export function fdWriteToSink(memory: () => WebAssembly.Memory, sink: (bytes: Uint8Array) => void) {
  return (iovsPtr: number, iovsLen: number, nwrittenPtr: number): number => {
    const view = new DataView(memory().buffer);
    const iovs = readIovecs(view, iovsPtr >>> 0, iovsLen >>> 0);
    let total = 0;
    for (const iov of iovs) total += iov.len;
    view.getUint32(nwrittenPtr >>> 0, true); // EFAULT (RangeError) before anything is written
    const bytes = new Uint8Array(total);
    const mem = new Uint8Array(memory().buffer);
    let at = 0;
    for (const iov of iovs) {
      bytes.set(mem.subarray(iov.buf, iov.buf + iov.len), at);
      at += iov.len;
    }
    if (total > 0) sink(bytes);
    view.setUint32(nwrittenPtr >>> 0, total, true);
    return 0;
  };
}
