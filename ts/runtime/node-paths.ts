// uvwasi reads the paths it is given as C strings, up to the next NUL byte,
// whatever length the module passed (snprintf("%s/%s") in its path
// resolver, and path_symlink's contents). A path with no NUL after it before
// the end of memory made it read past the end of the module's memory, and
// Node died with SIGSEGV. Its answers depend only on the given length, so
// such paths are handed over shifted one byte down in memory with a NUL
// after the last byte; the borrowed bytes are put back after the call,
// except those the call wrote as its results.

import type { WasiFunction } from '../host/index.js';
import { ERRNO_NOBUFS, PATH_ARGS, u32 } from '../wasi/index.js';

type ArgRange = readonly [ptrArg: number, lenArg: number | { bytes: number }];

/** The results each path import writes (pointer, length or size): borrowed bytes there are not put back. */
const RESULTS: Readonly<Record<string, readonly ArgRange[]>> = {
  path_filestat_get: [[4, { bytes: 64 }]],
  path_open: [[8, { bytes: 4 }]],
  path_readlink: [
    [3, 4],
    [5, { bytes: 4 }],
  ],
};


/** Wraps uvwasi's path imports in `imports` (memory: the module's, once it runs). */
export function terminatePaths(imports: Record<string, WasiFunction>, memory: () => WebAssembly.Memory): void {
  for (const [name, pathArgs] of Object.entries(PATH_ARGS)) {
    const results = RESULTS[name] ?? [];
    const fn = imports[name];
    if (fn === undefined) continue;
    imports[name] = (...args: unknown[]) => {
      const mem = new Uint8Array(memory().buffer);
      const end = mem.length;
      const spans = pathArgs.map(({ ptr, len }) => [u32(args[ptr]), u32(args[len])] as const);
      // A path outside memory (the host) or holding a NUL (node-fixes.ts) is refused before uvwasi reads it.
      if (spans.some(([ptr, len]) => ptr + len > end || (len > 0 && mem.subarray(ptr, ptr + len).includes(0)))) return fn(...args);
      // The bytes after the last NUL: a path that ends among them is read up to the end of memory.
      const unterminated = mem.lastIndexOf(0) + 1;
      const exposed = spans.map(([ptr, len], i) => ({ i, ptr, end: ptr + len })).filter((s) => s.end >= unterminated);
      if (exposed.length === 0) return fn(...args);
      const from = Math.min(...exposed.map((s) => s.ptr));
      // Memory holds no NUL at all and the path starts at 0: there is no byte to borrow.
      if (from === 0) return ERRNO_NOBUFS;
      const saved = mem.slice(from - 1);
      mem.copyWithin(from - 1, from);
      mem[end - 1] = 0;
      for (const { i } of exposed) args[pathArgs[i]!.ptr] = u32(args[pathArgs[i]!.ptr]) - 1;
      try {
        return fn(...args);
      } finally {
        restore(new Uint8Array(memory().buffer), from - 1, saved, results.map(([p, l]) => [u32(args[p]), typeof l === 'number' ? u32(args[l]) : l.bytes] as const));
      }
    };
  }
}

/** Puts `saved` back at `at`, but for the bytes inside the call's results. */
function restore(mem: Uint8Array, at: number, saved: Uint8Array, results: readonly (readonly [number, number])[]): void {
  for (let i = 0; i < saved.length; i++) {
    const addr = at + i;
    if (!results.some(([ptr, len]) => addr >= ptr && addr < ptr + len)) mem[addr] = saved[i]!;
  }
}
