// Reading and compiling modules: the echo core's (cached per backend) and any
// module a caller names.

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModuleLoadError } from './errors.js';

export const BACKENDS = ['select', 'poll', 'epoll'] as const;
export type Backend = (typeof BACKENDS)[number];

const coreModules = new Map<Backend, Promise<WebAssembly.Module>>();

/** wasm/echo-BACKEND.wasm, compiled once per process. */
export function coreModule(backend: Backend): Promise<WebAssembly.Module> {
  let module = coreModules.get(backend);
  if (!module) {
    module = loadModule(new URL(`../../wasm/echo-${backend}.wasm`, import.meta.url), `echo-${backend}.wasm`);
    // A failed load is not cached: the next serve() tries again.
    module.catch(() => coreModules.delete(backend));
    coreModules.set(backend, module);
  }
  return module;
}

export async function loadModule(source: string | URL | Uint8Array, name: string): Promise<WebAssembly.Module> {
  let bytes: Uint8Array;
  try {
    bytes = source instanceof Uint8Array ? source : await readFile(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new ModuleLoadError(name, reason, { cause: error });
  }
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (error) {
    throw new ModuleLoadError(name, `not a valid WebAssembly module (${(error as Error).message})`, { cause: error });
  }
}

export function moduleNameOf(source: string | URL | Uint8Array | WebAssembly.Module): string {
  if (typeof source === 'string') return basename(source);
  if (source instanceof URL) return basename(source.protocol === 'file:' ? fileURLToPath(source) : source.pathname);
  return 'module';
}
