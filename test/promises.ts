// The README's promises (and --help's) → the tests that check them, by the
// documented name and value. test/readme-promises.test.ts finds the promises
// (rules: test/helpers/promise-rules.ts) and fails on a promise with no row
// here, on a row whose test file is missing or does not mention the promise's
// name and value, and on a row for a promise no longer made.
//
// To add a row: run `npx uvu dist/test readme-promises`; it prints each
// promise without a row as its key. Add
//   'KEY': 'FILE.test.ts',                          (a file in test/)
//   'KEY': 'FILE.test.ts: PART OF A TEST NAME',     (that file, that test)
//   'KEY': ['A.test.ts', 'B.test.ts: …'],           (several)
// A limit (`NAME` (VALUE)) is tested with the README's value, not by importing
// the constant.

export type Row = string | readonly string[];

export const PROMISES: Readonly<Record<string, Row>> = {
};

/** A row's tests: the file (in test/, or '../.ci/run') and, optionally, part of a test's name. */
export function testsOf(row: Row): { file: string; name?: string }[] {
  return (typeof row === 'string' ? [row] : row).map((entry) => {
    const at = entry.indexOf(': ');
    return at < 0 ? { file: entry } : { file: entry.slice(0, at), name: entry.slice(at + 2) };
  });
}
