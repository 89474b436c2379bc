// Loading and compiling the modules serve() and run() start, once per
// content: a compiled WebAssembly.Module is kept, keyed by the SHA-256 of its
// bytes, so running the same program again (a test suite, a server restarted
// in-process) skips the compile (~15 ms for a 130 kB module here).
//
// Only within this process: Node 20 has no cache of compiled wasm across
// processes (v8.serialize() of a WebAssembly.Module gives a transfer id that
// no other process can deserialize, and module.enableCompileCache(), from
// Node 22, is for JavaScript only).

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../package-root.js';
import { ModuleLoadError } from './errors.js';
import type { Backend } from './rules.js';

/** Compiled modules kept at most; the least recently used goes first. */
export const MODULE_CACHE_ENTRIES = 32;

const compiled = new Map<string, Promise<WebAssembly.Module>>();

function compileOnce(bytes: Uint8Array, name: string): Promise<WebAssembly.Module> {
  const key = createHash('sha256').update(bytes).digest('hex');
  let module = compiled.get(key);
  if (module !== undefined) {
    // Most recently used last.
    compiled.delete(key);
    compiled.set(key, module);
    return module;
  }
  module = WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>).catch((error: unknown) => {
    // A module that does not compile is not kept: the error is the answer every time, but the bytes may be fixed.
    compiled.delete(key);
    throw new ModuleLoadError(name, `not a valid WebAssembly module (${(error as Error).message})`, { cause: error });
  });
  compiled.set(key, module);
  if (compiled.size > MODULE_CACHE_ENTRIES) compiled.delete(compiled.keys().next().value!);
  return module;
}

/** The bytes at a path or URL (or given), compiled; ModuleLoadError says why not. */
export async function loadModule(source: string | URL | Uint8Array, name: string): Promise<WebAssembly.Module> {
  let bytes: Uint8Array;
  try {
    bytes = source instanceof Uint8Array ? source : await readFile(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new ModuleLoadError(name, reason, { cause: error });
  }
  return compileOnce(bytes, name);
}

/** The echo core for a backend (wasm/echo-BACKEND.wasm). */
export function coreModule(backend: Backend): Promise<WebAssembly.Module> {
  return loadModule(join(packageRoot(), 'wasm', `echo-${backend}.wasm`), `echo-${backend}.wasm`);
}

/** argv[0] and the name in messages for a module given as a path, URL, bytes or compiled module. */
export function moduleNameOf(source: string | URL | Uint8Array | WebAssembly.Module): string {
  if (typeof source === 'string') return basename(source);
  if (source instanceof URL) return basename(source.protocol === 'file:' ? fileURLToPath(source) : source.pathname);
  return 'module';
}
