// Counts every wasm → host call when WASI_EVLOOP_COUNTERS=1 (see
// ts/transport/counters.ts and bench/README.md, "Where the time goes").

import { counters } from '../transport/counters.js';

/**
 * The same imports, each counting its calls as `import.NAME` when counters
 * are on (every call is a wasm → JS crossing and back); unchanged otherwise.
 */
export function countingImports<T extends object>(imports: T): T {
  const c = counters;
  if (c === null) return imports;
  const wrapped: Record<string, Record<string, unknown>> = {};
  for (const [module, functions] of Object.entries(imports as Record<string, Record<string, unknown>>)) {
    wrapped[module] = {};
    for (const [name, fn] of Object.entries(functions)) {
      if (typeof fn !== 'function') {
        wrapped[module][name] = fn;
        continue;
      }
      const key = `import.${name}`;
      wrapped[module][name] = (...args: unknown[]) => {
        c.add(key);
        return (fn as (...a: unknown[]) => unknown)(...args);
      };
    }
  }
  return wrapped as T;
}
