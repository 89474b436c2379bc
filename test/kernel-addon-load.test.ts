// Kernel addon, loading: on Linux it loads, in several worker threads at once
// (each its own instance, leaving no fd behind when the worker ends);
// when it cannot load, loadKernelAddon() says why and what to do, and
// importing addon.ts never throws.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from './helpers/echo-client.js';
import { ADDON_MODULE, kernelAddon } from './helpers/kernel-addon.js';

const openFds = () => readdirSync('/proc/self/fd').length;

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.module).then(({ loadKernelAddon }) => {
  const addon = loadKernelAddon().addon;
  const listenFd = addon.listen('127.0.0.1', 0, 4);
  parentPort.postMessage({ port: addon.localPort(listenFd) });
  addon.close(listenFd);
});
`;

test('loads on Linux with the constants of the system headers', () => {
  const addon = kernelAddon();
  assert.equal(
    [addon.constants.EPOLLIN, addon.constants.EPOLLOUT, addon.constants.EPOLLRDHUP, addon.constants.EPOLLET],
    [0x1, 0x4, 0x2000, 0x80000000],
  );
  assert.equal([addon.constants.SHUT_RD, addon.constants.SHUT_WR, addon.constants.SHUT_RDWR], [0, 1, 2]);
});

test('four workers load it at once; each instance works, and nothing of it outlives its worker', async () => {
  kernelAddon();
  const before = openFds();
  const workers = Array.from({ length: 4 }, () => new Worker(WORKER, { eval: true, workerData: { module: ADDON_MODULE } }));
  const exited = Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  const answers = await withTimeout('four workers', 10_000, Promise.all(workers.map((w) => new Promise<{ port: number }>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  }))));
  for (const answer of answers) assert.ok(answer.port > 0);
  assert.is(new Set(answers.map((a) => a.port)).size, 4, 'four listeners');
  await withTimeout('the workers to end', 10_000, exited);
  assert.is(openFds(), before, 'no fd left open by the ended workers');
});

/** loadKernelAddon() in a fresh process, after `prelude`; its answer, and that the import did not throw. */
function loadInChild(prelude: string, env: Record<string, string> = {}): { addon?: boolean; unavailable?: string } {
  const script = `${prelude}
const { loadKernelAddon } = await import(${JSON.stringify(ADDON_MODULE)});
const loaded = loadKernelAddon();
console.log(JSON.stringify('addon' in loaded ? { addon: true } : loaded));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8', timeout: 10_000, env: { ...process.env, ...env },
  });
  assert.is(child.status, 0, child.stderr);
  return JSON.parse(child.stdout);
}

test('not Linux: unavailable, saying so and naming the other transport', () => {
  const loaded = loadInChild("Object.defineProperty(process, 'platform', { value: 'darwin' });");
  assert.equal(loaded, { unavailable: 'kernel sockets need Linux, this is darwin: use the node-net transport' });
});

test('no binary for this platform: unavailable, saying how to build one', () => {
  // The loader looks in $WASI_EVLOOP_PREBUILD instead of the package when it is set.
  const empty = mkdtempSync(join(tmpdir(), 'wasi-evloop-no-addon-'));
  try {
    const loaded = loadInChild('', { WASI_EVLOOP_PREBUILD: empty });
    assert.match(loaded.unavailable ?? '', new RegExp(`^no kernel-socket addon for linux-${process.arch} in .*: build it with a C compiler: \`npm rebuild wasi-evloop\``));
  } finally {
    rmSync(empty, { recursive: true });
  }
});

test('a binary that does not load: unavailable, with the loader\'s reason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-bad-addon-'));
  try {
    mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
    writeFileSync(join(dir, 'build', 'Release', 'broken.node'), 'not a shared object');
    const loaded = loadInChild('', { WASI_EVLOOP_PREBUILD: dir });
    assert.match(loaded.unavailable ?? '', /broken\.node does not load \(.*(invalid ELF header|too short).*\): build it with a C compiler/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test.run();
