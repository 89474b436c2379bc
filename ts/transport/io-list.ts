// Small helpers over IoList, the scatter/gather lists the host passes to transports.

import type { IoList } from './types.js';

/** A list of one (offset, length) pair over `mem`: by default all of it. */
export function oneBuffer(mem: Uint8Array, offset = 0, length = mem.length - offset): IoList {
  return { mem, iov: Uint32Array.of(offset, length), count: 1 };
}

/** Total bytes of a scatter/gather list. */
export function ioLength({ iov, count }: IoList): number {
  let total = 0;
  for (let i = 0; i < count; i++) total += iov[2 * i + 1]!;
  return total;
}

/** Copies up to `max` bytes of a gather list into one new buffer. */
export function gatherCopy({ mem, iov, count }: IoList, max: number, into: Uint8Array = new Uint8Array(max)): Uint8Array {
  let at = 0;
  for (let i = 0; i < count && at < max; i++) {
    const base = iov[2 * i]!;
    const take = Math.min(iov[2 * i + 1]!, max - at);
    into.set(mem.subarray(base, base + take), at);
    at += take;
  }
  return into;
}
