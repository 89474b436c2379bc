// run()'s start-up: a module is compiled once per content in this process
// (ts/facade/module-loader.ts), whichever way it is given, and a module that does
// not compile is not kept.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModuleLoadError } from '../ts/index.js';
import { loadModule, MODULE_CACHE_ENTRIES } from '../ts/facade/module-loader.js';
import { REPO } from './helpers/servers.js';

const ECHO = `${REPO}wasm/echo-poll.wasm`;
// The smallest valid module, and variants of it (a custom section with a different payload).
const EMPTY = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
const variant = (i: number) => Uint8Array.from([...EMPTY, 0, 6, 1, 0x78, ...new Uint8Array(4).fill(0).map((_, k) => (i >> (8 * k)) & 0xff)]);

test('the same bytes from a path, a URL and a buffer compile once', async () => {
  const a = await loadModule(ECHO, 'echo-poll.wasm');
  const b = await loadModule(new URL(`file://${ECHO}`), 'echo-poll.wasm');
  const c = await loadModule(new Uint8Array(readFileSync(ECHO)), 'bytes');
  assert.ok(a === b && b === c, 'one WebAssembly.Module for one content');
});

test('a file whose bytes changed is compiled again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-'));
  try {
    const path = join(dir, 'm.wasm');
    writeFileSync(path, variant(1));
    const first = await loadModule(path, 'm.wasm');
    writeFileSync(path, variant(2));
    const second = await loadModule(path, 'm.wasm');
    assert.ok(first !== second);
    assert.equal(WebAssembly.Module.customSections(second, 'x').map((b) => new Uint8Array(b)[0]), [2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('invalid bytes fail each time with ModuleLoadError, and are not kept', async () => {
  const bad = Uint8Array.from([0, 0x61, 0x73, 0x6d, 9, 9, 9, 9]);
  for (let i = 0; i < 2; i++) {
    try {
      await loadModule(bad, 'bad.wasm');
      assert.unreachable('compiled invalid bytes');
    } catch (error) {
      assert.instance(error, ModuleLoadError);
      assert.match((error as Error).message, /bad\.wasm.*not a valid WebAssembly module/);
    }
  }
});

test(`the cache holds at most ${MODULE_CACHE_ENTRIES} modules, dropping the least recently used`, async () => {
  const kept = await loadModule(variant(1000), 'kept');
  const dropped = await loadModule(variant(1001), 'dropped');
  for (let i = 0; i < MODULE_CACHE_ENTRIES - 1; i++) {
    await loadModule(variant(2000 + i), 'filler');
    if (i % 4 === 0) await loadModule(variant(1000), 'kept'); // used again: stays
  }
  assert.ok((await loadModule(variant(1000), 'kept')) === kept, 'a recently used module was dropped');
  assert.ok((await loadModule(variant(1001), 'dropped')) !== dropped, 'the least recently used module was kept past the limit');
});

test.run();
