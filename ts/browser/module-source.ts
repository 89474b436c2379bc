// A module for the browser facade, from a URL, bytes or an already compiled
// WebAssembly.Module; a failure is a ModuleLoadError that names it.

import { ModuleLoadError } from '../facade/errors.js';

export type ModuleSource = string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

export function nameOf(source: ModuleSource): string {
  if (typeof source === 'string' || source instanceof URL) {
    const path = new URL(String(source), globalThis.location?.href ?? 'http://localhost/').pathname;
    return path.slice(path.lastIndexOf('/') + 1) || 'module';
  }
  return 'module';
}

export async function compileModule(source: ModuleSource, name: string): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  try {
    if (typeof source === 'string' || source instanceof URL) {
      const response = await fetch(source);
      if (!response.ok) throw new Error(`${response.status} ${response.statusText} for ${String(source)}`);
      // compileStreaming needs the server to say application/wasm; bytes work whatever it says.
      return await WebAssembly.compile(await response.arrayBuffer());
    }
    const bytes = ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : new Uint8Array(source);
    return await WebAssembly.compile(bytes.slice());
  } catch (error) {
    throw new ModuleLoadError(name, error instanceof Error ? error.message : String(error), { cause: error });
  }
}
