// Loading and compiling the modules serve() and run() start, once per
// content: a compiled WebAssembly.Module is kept, keyed by the SHA-256 of its
// bytes, so running the same program again (a test suite, a server restarted
// in-process) skips the compile (~15 ms for a 130 kB module here).
//
// Only within this process: Node 20 has no cache of compiled wasm across
// processes (v8.serialize() of a WebAssembly.Module gives a transfer id that
// no other process can deserialize, and module.enableCompileCache(), from
// Node 22, is for JavaScript only).

import { readFile } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lazyNodeModule } from '../node-require.js';
import { packageRoot } from '../package-root.js';
import { ModuleLoadError, UsageError } from './errors.js';
import { MemoryCeilingError, withMemoryCeiling } from './memory-ceiling.js';
import type { Backend } from './rules.js';

/** Compiled modules kept at most; the least recently used goes first. */
export const MODULE_CACHE_ENTRIES = 32;

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/**
 * The first module a process loads is kept by its bytes, not yet by their
 * hash: it is hashed when a second one comes. A process that runs one module
 * (the CLI) never loads node:crypto, which costs its start more than the hash.
 */
let first: { bytes: Uint8Array; module: Promise<WebAssembly.Module> } | null = null;
let hashing = false;

const crypto = lazyNodeModule<typeof import('node:crypto')>('node:crypto');
const keyOf = (bytes: Uint8Array) => crypto().createHash('sha256').update(bytes).digest('hex');

/** node:fs/promises' readFile without loading node:fs/promises (on every CLI start). */
function readBytes(path: string | URL): Promise<Uint8Array> {
  return new Promise((resolve, reject) => readFile(path, (error, bytes) => (error ? reject(error) : resolve(bytes))));
}

function compile(bytes: Uint8Array, name: string, forget: () => void): Promise<WebAssembly.Module> {
  return WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>).catch((error: unknown) => {
    // A module that does not compile is not kept: the error is the answer every time, but the bytes may be fixed.
    forget();
    throw new ModuleLoadError(name, `not a valid WebAssembly module (${(error as Error).message})`, { cause: error });
  });
}

function compileOnce(bytes: Uint8Array, name: string): Promise<WebAssembly.Module> {
  if (!hashing) {
    if (first === null) {
      const module = compile(bytes, name, () => {
        if (first?.module === module) first = null;
      });
      first = { bytes, module };
      return module;
    }
    hashing = true;
    compiled.set(keyOf(first.bytes), first.module);
    first = null;
  }
  const key = keyOf(bytes);
  let module = compiled.get(key);
  if (module !== undefined) {
    // Most recently used last.
    compiled.delete(key);
    compiled.set(key, module);
    return module;
  }
  module = compile(bytes, name, () => compiled.delete(key));
  compiled.set(key, module);
  if (compiled.size > MODULE_CACHE_ENTRIES) compiled.delete(compiled.keys().next().value!);
  return module;
}

/**
 * The bytes at a path or URL (or given), compiled; ModuleLoadError says why
 * not. With `maxMemory`, the module's memory cannot grow past that many
 * bytes (memory-ceiling.ts).
 */
export async function loadModule(source: string | URL | Uint8Array, name: string, maxMemory?: number): Promise<WebAssembly.Module> {
  let bytes: Uint8Array;
  try {
    bytes = source instanceof Uint8Array ? source : await readBytes(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new ModuleLoadError(name, reason, { cause: error });
  }
  if (maxMemory !== undefined) {
    try {
      bytes = withMemoryCeiling(bytes, maxMemory);
    } catch (error) {
      if (error instanceof MemoryCeilingError) throw new ModuleLoadError(name, error.message, { cause: error });
      throw error;
    }
  }
  return compileOnce(bytes, name);
}

/** A module given compiled has no bytes left to cap: maxMemory needs them. */
export function compiledModule(module: WebAssembly.Module, maxMemory: number | undefined): WebAssembly.Module {
  if (maxMemory !== undefined) {
    throw new UsageError('maxMemory needs the module as a path, URL or bytes: a compiled WebAssembly.Module cannot be given a memory ceiling');
  }
  return module;
}

/** The echo core for a backend (wasm/echo-BACKEND.wasm), its memory capped at `maxMemory` bytes when given. */
export function coreModule(backend: Backend, maxMemory?: number): Promise<WebAssembly.Module> {
  return loadModule(join(packageRoot(), 'wasm', `echo-${backend}.wasm`), `echo-${backend}.wasm`, maxMemory);
}

/** argv[0] and the name in messages for a module given as a path, URL, bytes or compiled module. */
export function moduleNameOf(source: string | URL | Uint8Array | WebAssembly.Module): string {
  if (typeof source === 'string') return basename(source);
  if (source instanceof URL) return basename(source.protocol === 'file:' ? fileURLToPath(source) : source.pathname);
  return 'module';
}
