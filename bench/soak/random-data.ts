// Random payloads without the cost of generating random bytes per write:
// slices of one random pool at random offsets, so a lost, repeated or
// reordered byte still shows.
import { randomBytes } from 'node:crypto';

const POOL = randomBytes(1 << 20);

export function randomInt(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

/** `length` random bytes (at most the pool's 1 MiB), a view into the pool. */
export function randomChunk(length: number): Buffer {
  const n = Math.min(length, POOL.length);
  const at = randomInt(0, POOL.length - n);
  return POOL.subarray(at, at + n);
}
