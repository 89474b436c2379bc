// Kernel addon, process exit: a worker blocked in epollWait(-1) keeps the
// process alive forever when the main thread calls process.exit() or throws,
// because exiting waits for every worker and a worker in a syscall never
// sees the termination. A process 'exit' hook that sets the worker's stop
// flag and calls wake() lets it end promptly.
//
// Observed here (Node 20): without the hook the process is still alive
// 4 s later (it never exits); with a hook that only calls wake(), a worker
// that drains and waits again (as a transport loop does) also hangs: the
// wake-up comes before the termination, so the worker must check a stop flag
// before it waits again.
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep, withTimeout } from './helpers/echo-client.js';
import { ADDON_MODULE } from './helpers/kernel-addon.js';

type Ending = 'exit' | 'throw';

function program(ending: Ending, hook: boolean): string {
  return `
import { Worker } from 'node:worker_threads';
import { loadKernelAddon } from ${JSON.stringify(ADDON_MODULE)};
const addon = loadKernelAddon().addon;
const efd = addon.eventfd();
const epfd = addon.epollCreate();
addon.epollCtl(epfd, addon.constants.EPOLL_CTL_ADD, efd, addon.constants.EPOLLIN);
const stop = new Int32Array(new SharedArrayBuffer(4));
// A transport's wait loop: wait, take the wake-ups, wait again unless told to stop.
// (execArgv: [] — the worker would inherit --input-type=module and not be CommonJS.)
const loop = \`
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.module).then(({ loadKernelAddon }) => {
  const addon = loadKernelAddon().addon;
  const stop = new Int32Array(workerData.stop);
  const out = new Int32Array(8);
  parentPort.postMessage('waiting');
  do {
    addon.epollWait(workerData.epfd, out, -1);
    addon.drain(workerData.efd);
  } while (Atomics.load(stop, 0) === 0);
});\`;
const worker = new Worker(loop, { eval: true, execArgv: [], workerData: { module: ${JSON.stringify(ADDON_MODULE)}, epfd, efd, stop: stop.buffer } });
${hook ? "process.on('exit', () => { Atomics.store(stop, 0, 1); addon.wake(efd); });" : ''}
worker.once('message', () => setTimeout(() => {
  console.log('ending');
  ${ending === 'exit' ? 'process.exit(3);' : "throw new Error('thrown on the main thread');"}
}, 100));
`;
}

/** Runs the program; resolves with its exit code, or 'alive' if it still runs `graceMs` after saying 'ending'. */
function runChild(ending: Ending, hook: boolean, graceMs: number): Promise<{ code: number | null | 'alive'; stderr: string; ms: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', program(ending, hook)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ending_ = new Promise<number>((resolve) => child.stdout.on('data', (b: Buffer) => { if (String(b).includes('ending')) resolve(Date.now()); }));
  return withTimeout('the child to reach its end', 10_000, Promise.race([ending_, exited.then(() => Date.now())]))
    .then(async (endingAt) => {
      const code = await Promise.race([exited, sleep(graceMs).then(() => 'alive' as const)]);
      return { code, stderr, ms: Date.now() - endingAt };
    })
    .finally(() => child.kill('SIGKILL'));
}

test('process.exit() with the hook: exits at once with its code', async () => {
  const result = await runChild('exit', true, 5000);
  assert.is(result.code, 3, result.stderr);
  assert.ok(result.ms < 2000, `exited ${result.ms} ms after process.exit()`);
});

test('a throw on the main thread with the hook: exits at once with code 1', async () => {
  const result = await runChild('throw', true, 5000);
  assert.is(result.code, 1);
  assert.match(result.stderr, /thrown on the main thread/);
  assert.ok(result.ms < 2000, `exited ${result.ms} ms after the throw`);
});

test('without the hook the process never exits (why the hook exists)', async () => {
  const result = await runChild('exit', false, 1500);
  assert.is(result.code, 'alive', result.stderr);
});

test.run();
