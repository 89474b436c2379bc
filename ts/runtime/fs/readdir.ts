// fd_readdir over node:fs: a directory's entries with `.` and `..` first (as
// POSIX readdir gives them, and as wasmtime does), cookies that are entry
// indexes (entry i has d_next = i + 1), and the WASI dirent encoding.

import { lstatSync, readdirSync, statSync, type Dirent } from 'node:fs';
import * as w from '../../wasi/index.js';
import { checkRange } from '../../wasi/index.js';
import { errnoOfFsError } from './errors.js';
import { lstatOrNull } from './posix.js';
import { filetypeOf } from './stat.js';

// dirent, 24 bytes then the name: d_next u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8 @20.
export const DIRENT_SIZE = 24;

export interface DirEntry {
  name: Buffer;
  type: number;
  /** Read when the entry is first written out: one lstat per entry, never for entries nobody asks for. */
  ino: bigint | null;
}

/**
 * The entries of the directory at `path`. `isRoot`: the preopen itself,
 * whose `..` is outside the sandbox and is shown as the directory itself (as
 * `/..` is `/`). Throws node:fs errors.
 */
export function listDirectory(path: string, isRoot: boolean): DirEntry[] {
  const self = statSync(path, { bigint: true });
  const parent = isRoot ? self : statSync(`${path}/..`, { bigint: true });
  const entries: DirEntry[] = [
    { name: Buffer.from('.'), type: w.FILETYPE_DIRECTORY, ino: self.ino },
    { name: Buffer.from('..'), type: w.FILETYPE_DIRECTORY, ino: parent.ino },
  ];
  // Bun ignores withFileTypes when names are asked for as bytes and gives bare
  // names: each is typed by an lstat, as readdir(3) without d_type is (one
  // that is gone by then is left out, as if listed a moment later).
  for (const dirent of readdirSync(path, { withFileTypes: true, encoding: 'buffer' }) as (Dirent<Buffer> | Uint8Array)[]) {
    if (!(dirent instanceof Uint8Array)) {
      entries.push({ name: dirent.name, type: filetypeOf(dirent), ino: null });
      continue;
    }
    const name = Buffer.from(dirent);
    const stat = lstatOrNull(Buffer.concat([Buffer.from(`${path}/`), name]));
    if (stat !== null) entries.push({ name, type: filetypeOf(stat), ino: stat.ino });
  }
  return entries;
}

/**
 * Writes entries from index `cookie` into [buf, buf + bufLen) as fd_readdir
 * does: whole entries while they fit, then as much of the next one as fits
 * (a full buffer tells the caller to come back with the last d_next).
 * Returns the bytes used. `dirPath` is for the lazy d_ino; an entry deleted
 * meanwhile gets d_ino 0.
 */
export function writeDirents(view: DataView, buf: number, bufLen: number, entries: DirEntry[], cookie: bigint, dirPath: string): number {
  checkRange(view, buf, bufLen);
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let used = 0;
  for (let i = cookie; i < BigInt(entries.length) && used < bufLen; i++) {
    const entry = entries[Number(i)]!;
    if (entry.ino === null) {
      try {
        entry.ino = lstatSync(Buffer.concat([Buffer.from(`${dirPath}/`), entry.name]), { bigint: true }).ino;
      } catch (error) {
        errnoOfFsError(error);
        entry.ino = 0n;
      }
    }
    const record = new Uint8Array(DIRENT_SIZE + entry.name.length);
    const head = new DataView(record.buffer);
    head.setBigUint64(0, i + 1n, true);
    head.setBigUint64(8, entry.ino, true);
    head.setUint32(16, entry.name.length, true);
    head.setUint8(20, entry.type);
    record.set(entry.name, DIRENT_SIZE);
    const n = Math.min(record.length, bufLen - used);
    bytes.set(record.subarray(0, n), buf + used);
    used += n;
  }
  return used;
}
