// Node's own modules that are needed only on an uncommon path, loaded when
// first used rather than with the module that uses them: the CLI's start pays
// for every Node module loaded before its listening line (node:child_process,
// for one, costs more than a wasm compile). Typed as the ESM import would be.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyNodeModule<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}
