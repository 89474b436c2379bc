// Every echo server the behaviour suite runs against: the C core built
// natively, and the same core in wasm behind the facade (in this process) and
// the CLI (its own process), for every backend × runtime.
import { BACKENDS, nativeKind, type ServerKind } from './servers.js';
import { wasmKinds } from './wasm-kinds.js';

export function allKinds(): ServerKind[] {
  return [...BACKENDS.map(nativeKind), ...wasmKinds()];
}
