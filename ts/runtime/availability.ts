// Which WASI runtimes can work in the JavaScript runtime this process is
// (Node, Deno or Bun), and why not: the one place that knows. The facade asks
// here before starting a module (ts/facade/choose.ts), so a runtime that
// cannot work is a typed error or a fallback, never a TypeError from inside
// a worker.

import { jsRuntimeName } from '../js-runtime.js';
import { RUNTIMES, type RuntimeName } from './types.js';

const UNAVAILABLE: Readonly<Record<RuntimeName, () => string | null>> = {
  // The node runtime is uvwasi with the corrections of node-fixes.ts, which
  // are written against uvwasi's behaviour and numbering. Deno and Bun each
  // ship a node:wasi of their own (Bun's has no getImportObject; through its
  // wasiImport it fails 22 of the WASI test suite's 72 tests, Deno's 21), so
  // there the node runtime would be a different, untested runtime.
  node: () =>
    process.versions.uvwasi !== undefined
      ? null
      : `it is built on Node's node:wasi (uvwasi), and ${jsRuntimeName()} has a node:wasi of its own; use the shim runtime (--runtime shim), or run under Node`,
  shim: () => null,
};

/** In order of preference: the first available one is the default. */
const PREFERENCE: readonly RuntimeName[] = RUNTIMES;

/** Why `name` cannot work here (and what to do), or null when it can. */
export function runtimeUnavailable(name: RuntimeName): string | null {
  return UNAVAILABLE[name]();
}

/**
 * The runtime to use when none was asked for: the first available in order
 * of preference, and, when a preferred one was passed over, why (one line for the user).
 */
export function defaultRuntime(): { name: RuntimeName; passedOver: string | null } {
  const reasons: string[] = [];
  for (const name of PREFERENCE) {
    const why = runtimeUnavailable(name);
    if (why === null) return { name, passedOver: reasons.length > 0 ? reasons.join('; ') : null };
    reasons.push(`the ${name} runtime is unavailable (${why})`);
  }
  throw new Error(`no WASI runtime can work here: ${reasons.join('; ')}`);
}
