// What a process descriptor is, as a string to compare before and after
// something that must leave it alone: one that was closed, replaced or
// reopened shows.

import { fstatSync } from 'node:fs';

/**
 * Device, inode and mode of `fd`, or why fstat failed. With `size`, also
 * how much it holds, so a write into, resize or preallocation of a file
 * shows; never for a pipe, which grows and drains by design.
 */
export function fdIdentity(fd: number, size = false): string {
  try {
    const s = fstatSync(fd);
    const held = size && !s.isFIFO() ? ` size ${s.size}` : '';
    return `dev ${s.dev} ino ${s.ino} mode ${s.mode.toString(8)}${held}`;
  } catch (error) {
    return `not open (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
}
