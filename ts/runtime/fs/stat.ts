// node:fs stats as WASI filestats.

import type { BigIntStats, Dirent } from 'node:fs';
import * as w from '../../wasi/index.js';

/** The WASI filetype of a stat or a directory entry. */
export function filetypeOf(s: BigIntStats | Dirent<string | Buffer>): number {
  if (s.isFile()) return w.FILETYPE_REGULAR_FILE;
  if (s.isDirectory()) return w.FILETYPE_DIRECTORY;
  if (s.isSymbolicLink()) return w.FILETYPE_SYMBOLIC_LINK;
  if (s.isCharacterDevice()) return w.FILETYPE_CHARACTER_DEVICE;
  if (s.isBlockDevice()) return w.FILETYPE_BLOCK_DEVICE;
  // preview1 has no stream/dgram distinction for a socket file; a FIFO has no filetype at all.
  if (s.isSocket()) return w.FILETYPE_SOCKET_STREAM;
  return w.FILETYPE_UNKNOWN;
}

export function filestatOf(s: BigIntStats): w.Filestat {
  return { dev: s.dev, ino: s.ino, filetype: filetypeOf(s), nlink: s.nlink, size: s.size, atim: s.atimeNs, mtim: s.mtimeNs, ctim: s.ctimeNs };
}
