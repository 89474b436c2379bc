// A stand-in for tests20's test/helpers/prerequisites.ts (issue 20), with the
// same two calls, until that file is on main: then the imports change to it
// and this file goes.
//
// A test that needs something a machine may lack is skipped (uvu counts it)
// with one line, at exit, saying what is missing and how to get it; under
// CI=true, when .ci/run provides it, the test fails instead.

import { writeSync } from 'node:fs';
import type { Callback, Test } from 'uvu';

export interface Prerequisite {
  /** What it is, as the skip line names it: 'Deno', 'Node 24'. */
  name: string;
  /** null when it is here; otherwise what was looked for and not found. */
  missing(): string | null;
  /** How to get it, one line. */
  howToGet: string;
  /** .ci/run provides it: under CI=true its absence fails the tests instead of skipping them. */
  providedByCi: boolean;
}

const UNDER_CI = process.env.CI === 'true';
const skipped = new Map<string, { count: number; line: string }>();

/** `test` itself when every prerequisite is here; otherwise a registration that skips (or, under CI, fails) each test. */
export function requirePrerequisite<T>(test: Test<T>, ...needs: Prerequisite[]): (name: string, body: Callback<T>) => void {
  const absent = needs.flatMap((p) => {
    const missing = p.missing();
    return missing === null ? [] : [{ p, line: `${p.name} is missing (${missing}); to get it: ${p.howToGet}` }];
  });
  if (absent.length === 0) return (name, body) => test(name, body);
  const failing = UNDER_CI ? absent.find(({ p }) => p.providedByCi) : undefined;
  if (failing) {
    return (name) =>
      test(name, () => {
        throw new Error(`${failing.line} — .ci/run provides it, so under CI=true this fails instead of skipping`);
      });
  }
  const { p, line } = absent[0]!;
  return (name, body) => {
    test.skip(name, body);
    if (skipped.size === 0) {
      process.on('exit', () => {
        for (const { count, line: why } of skipped.values()) writeSync(1, `skipped ${count} test${count === 1 ? '' : 's'}: ${why}\n`);
      });
    }
    const entry = skipped.get(p.name) ?? { count: 0, line };
    entry.count++;
    skipped.set(p.name, entry);
  };
}
