#!/usr/bin/env node
// The wasi-evloop command. Committed, so `npx wasi-evloop` works in a fresh
// clone without a chmod step after the build (which writes dist/ without
// execute bits). CommonJS (bin/package.json), as the bundle it runs is: Node
// starts a CommonJS main sooner than an ES module.
//
// It runs the bundled CLI (dist/node/cli.cjs, scripts/build-node.mjs) with
// V8's code cache for it, made by the build from a run of the CLI: Node 20
// keeps no compiled JavaScript between processes, and compiling the bundle's
// functions is a good part of a start. V8 refuses a cache made by another
// Node or V8 (the bundle is then compiled as usual); one older than the
// bundle is not offered.
'use strict';
const { readFileSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const file = join(__dirname, '..', 'dist', 'node', 'cli.cjs');
const cacheFile = `${file}.v8cache`;
/**
 * Set by the build: where to write the code cache of this run when it ends.
 * Read so that Deno without --allow-env leaves it unset instead of refusing
 * the start: a user grants nothing for it (as ts/transport/optional-env.ts).
 */
let cacheOut;
try {
  cacheOut = process.env.WASI_EVLOOP_CODE_CACHE_OUT;
} catch {
  cacheOut = undefined;
}

let source;
try {
  source = readFileSync(file, 'utf8');
} catch {
  // A sandbox that lets its module loader read the package but not this
  // file (Deno without --allow-read, which allows an import written as a
  // literal): the loader runs it, with no code cache, and the CLI reports
  // what else is refused.
  source = undefined;
}
if (source === undefined) {
  void import('../dist/node/cli.cjs');
} else {
  let cachedData;
  try {
    if (cacheOut === undefined && statSync(cacheFile).mtimeMs >= statSync(file).mtimeMs) cachedData = readFileSync(cacheFile);
  } catch {
    // No cache: compiled as usual.
  }
  // As Node's own loader wraps a CommonJS module, on the first line so that line numbers stay true.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  if (cacheOut !== undefined) process.once('exit', () => writeFileSync(cacheOut, script.createCachedData()));
  const cli = { exports: {} };
  script.runInThisContext()(cli.exports, createRequire(file), cli, file, dirname(file));
}
