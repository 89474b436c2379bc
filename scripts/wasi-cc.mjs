#!/usr/bin/env node
// A `clang` for wasm32-wasip1 without a native toolchain: runs the npm package
// @yowasp/clang (clang + wasi-libc compiled to wasm) in Node. The compiler sees a
// virtual file system, so the source folder is mounted into it and the one output
// (`-o FILE`) is copied back out.
// usage: node scripts/wasi-cc.mjs [clang args...] -o OUT   (paths relative to the repo)
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const oIndex = args.indexOf('-o');
if (oIndex < 0 || oIndex + 1 >= args.length) {
  console.error('wasi-cc: missing "-o OUTPUT"; usage: wasi-cc.mjs [clang args...] -o OUT');
  process.exit(2);
}
const output = args[oIndex + 1];

function mount(dir) {
  const tree = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    tree[name] = statSync(path).isDirectory() ? mount(path) : readFileSync(path);
  }
  return tree;
}

const { runClang, runLLVM, Exit } = await import('@yowasp/clang');
// Load the toolchain's resources up front, silently: runClang's first step
// would otherwise print a progress line on stdout.
await runLLVM(null, {}, { fetchProgress: () => {} });
const toStderr = (bytes) => { if (bytes) process.stderr.write(bytes); };
let files;
try {
  files = await runClang(['clang', ...args], { c: mount(join(repo, 'c')) },
    { stdout: toStderr, stderr: toStderr });
} catch (e) {
  if (e instanceof Exit) process.exit(e.code || 1);
  throw e;
}
let node = files;
for (const part of relative('.', output).split('/')) node = node?.[part];
if (!(node instanceof Uint8Array)) {
  console.error(`wasi-cc: clang produced no ${output}`);
  process.exit(1);
}
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, node);
