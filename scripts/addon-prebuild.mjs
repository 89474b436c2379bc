#!/usr/bin/env node
// prepack / postpack: puts the addon built from source (scripts/addon-build.mjs)
// into prebuilds/<platform>-<arch>/ for the npm package, then takes it out again.
//
// The package needs it because npm 11 runs no install script of a dependency:
// an installed wasi-evloop gets no build step, only what the tarball holds.
// prebuilds/ is made at pack time and never committed: a committed binary
// could silently disagree with native/, and this one costs a second to build.
//
//   node scripts/addon-prebuild.mjs          build if stale, check it loads, copy (fails on Linux if it cannot)
//   node scripts/addon-prebuild.mjs --clean  remove that copy

import { copyFileSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { BUILT, ROOT, buildAddon, prebuiltPath } from './addon-build.mjs';

const target = prebuiltPath();

function removeIfEmpty(dir) {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // already gone
  }
}

if (process.argv.includes('--clean')) {
  rmSync(target, { force: true });
  removeIfEmpty(dirname(target));
  removeIfEmpty(dirname(dirname(target)));
} else {
  const outcome = buildAddon();
  if ('unavailable' in outcome) {
    const line = `wasi-evloop: packing without a prebuilt kernel-socket addon: ${outcome.unavailable}`;
    // On Linux a missing addon is a broken release, not a platform limit.
    if (process.platform === 'linux') {
      console.error(line);
      process.exit(1);
    }
    console.error(line);
  } else {
    // A binary that does not load would ship a package that silently falls back.
    createRequire(import.meta.url)(BUILT);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(BUILT, target);
    console.error(`wasi-evloop: packing the kernel-socket addon as ${target.slice(ROOT.length)}`);
  }
}
