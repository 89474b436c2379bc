#!/usr/bin/env node
// Builds the kernel-socket addon (native/*.c → build/Release/wasi_evloop_kernel.node)
// with the machine's C compiler and the Node-API headers, nothing downloaded.
//
// Why not node-gyp: it needs Python and Node's full headers, which it downloads
// unless npm is configured with a nodedir; this addon is plain C against
// Node-API only, so one `cc -shared` with the `node-api-headers` package (a
// devDependency) builds it in about a second, anywhere npm works. The napi_*
// symbols resolve from the node binary when it loads the addon.
//
// It is the `install` script, so it never fails an install: when the addon
// cannot be built (not Linux, no compiler, no headers) it prints one line
// saying the kernel transport is unavailable, and exits 0. It builds only when
// no binary is at least as new as the sources (so `npm test` runs it for free),
// and never in an installed package whose prebuilt binary (prebuilds/) loads.
// Its line goes to stderr, so stdout stays clean for `npm pack --json`.
// scripts/addon-prebuild.mjs (prepack) uses buildAddon() directly.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_DIR = join(ROOT, 'native');
/** Where node-gyp would put it: the loader (ts/transport/kernel/addon.ts) tries it first. */
export const BUILT = join(ROOT, 'build', 'Release', 'wasi_evloop_kernel.node');

/** prebuilds/<platform>-<arch>/<tags>.node, in node-gyp-build's naming (napi: any Node version), which the loader follows. */
export function prebuiltPath() {
  // A glibc binary does not load on musl (Alpine): name it for the libc it was built against.
  const libc = existsSync('/etc/alpine-release') ? 'musl' : 'glibc';
  return join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`, `node.napi.${libc}.node`);
}

function headersDir() {
  try {
    return createRequire(import.meta.url)('node-api-headers').include_dir;
  } catch {
    // An installed package has no devDependencies; Node's own tarballs ship the headers.
    const beside = join(dirname(process.execPath), '..', 'include', 'node');
    return existsSync(join(beside, 'node_api.h')) ? beside : null;
  }
}

function newestSource() {
  const sources = readdirSync(SOURCE_DIR).filter((f) => /\.[ch]$/.test(f)).map((f) => join(SOURCE_DIR, f));
  // This script holds the flags: changing them is changing the source.
  return Math.max(...[fileURLToPath(import.meta.url), ...sources].map((f) => statSync(f).mtimeMs));
}

function loads(binary) {
  try {
    createRequire(import.meta.url)(binary);
    return true;
  } catch {
    return false;
  }
}

function upToDate(binary, sourceTime) {
  return existsSync(binary) && statSync(binary).mtimeMs >= sourceTime;
}

/**
 * Builds when needed. Returns { built: path } after a build, { current: path }
 * when a binary is already up to date, or { unavailable: reason }.
 */
export function buildAddon() {
  if (process.platform !== 'linux') return { unavailable: `kernel sockets need Linux (this is ${process.platform})` };
  if (!existsSync(SOURCE_DIR)) return { unavailable: `no addon source in ${SOURCE_DIR}` };
  if (upToDate(BUILT, newestSource())) return { current: BUILT };
  // An installed package (no .git: npm never packs it) was packed with the
  // binary built from the very sources beside it; their file times say
  // nothing (extraction order). In a checkout, native/ may have changed since.
  if (!existsSync(join(ROOT, '.git')) && loads(prebuiltPath())) return { current: prebuiltPath() };

  const include = headersDir();
  if (include === null) return { unavailable: 'no Node-API headers (install node-api-headers, or Node with its include/ folder)' };
  const cc = process.env.CC || 'cc';
  const sources = readdirSync(SOURCE_DIR).filter((f) => f.endsWith('.c')).sort().map((f) => join(SOURCE_DIR, f));
  const partial = `${BUILT}.${process.pid}.tmp`;
  mkdirSync(dirname(BUILT), { recursive: true });
  const started = performance.now();
  const result = spawnSync(cc, [
    '-O2', '-fPIC', '-shared', '-std=c11', '-Wall', '-Wextra', '-D_GNU_SOURCE',
    // Node-API 8 is in every Node this package supports (>= 20); nothing newer is used.
    '-DNAPI_VERSION=8', '-fvisibility=hidden', `-I${include}`, ...sources, '-o', partial,
  ], { encoding: 'utf8', timeout: 120_000 });
  if (result.error || result.status !== 0) {
    rmSync(partial, { force: true });
    // A binary older than the sources would be loaded and tested as if it were them.
    rmSync(BUILT, { force: true });
    const why = result.error
      ? (result.error.code === 'ENOENT' ? `no C compiler ('${cc}' not found; set CC)` : `${cc}: ${result.error.message}`)
      : `${cc} failed: ${firstError(result.stderr)}`;
    return { unavailable: why };
  }
  // Renamed into place whole, so a concurrent loader never sees half a file.
  renameSync(partial, BUILT);
  return { built: BUILT, ms: Math.round(performance.now() - started) };
}

function firstError(stderr) {
  const lines = stderr.split('\n').filter(Boolean);
  return (lines.find((l) => /error/i.test(l)) ?? lines[0] ?? 'no message').trim();
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const outcome = buildAddon();
  if ('built' in outcome) {
    console.error(`wasi-evloop: built the kernel-socket addon (${outcome.built.slice(ROOT.length)}) in ${outcome.ms} ms`);
  } else if ('unavailable' in outcome) {
    console.error(`wasi-evloop: kernel transport unavailable: ${outcome.unavailable}; ` +
      'the node-net transport will be used. To get it: a C compiler on Linux, then `npm rebuild wasi-evloop` ' +
      '(or `npm install` in a clone).');
  }
}
