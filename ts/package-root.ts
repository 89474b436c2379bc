// The folder of this package (its package.json, wasm/, web/, dist/, the
// addon's build/), found from wherever this code was loaded: dist/ts/… when
// compiled file by file, dist/node/ when bundled (scripts/build-node.mjs), and
// either inside node_modules when installed.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | null | undefined;

/** The package's folder, or null when no package.json named wasi-evloop is above this file. */
export function findPackageRoot(): string | null {
  if (found === undefined) found = search(dirname(fileURLToPath(import.meta.url)));
  return found;
}

/** The package's folder; throws when it cannot be found (the package's files were moved apart). */
export function packageRoot(): string {
  const root = findPackageRoot();
  if (root === null) throw new Error(`cannot find the wasi-evloop package folder above ${fileURLToPath(import.meta.url)}: reinstall wasi-evloop`);
  return root;
}

function search(from: string): string | null {
  for (let dir = from, up = 0; up < 8; dir = dirname(dir), up++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readsAsThisPackage(manifest)) return dir;
  }
  return null;
}

function readsAsThisPackage(manifest: string): boolean {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'wasi-evloop';
  } catch {
    return false;
  }
}
