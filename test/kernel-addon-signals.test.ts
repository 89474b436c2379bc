// Kernel addon, stopOnSignals: for a module on the process's main thread,
// SIGINT and SIGTERM set the stop word and wake the thread asleep in epoll
// (here a worker, so that the signal lands on a thread that is not the
// sleeping one and only the eventfd can wake it), chain to the handler that
// was there (JavaScript's listener runs once the event loop does), and a
// watchdog ends the process after the grace period unless stopOnSignalsEnd()
// came first. Each case runs in a process of its own: signals are the process's.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ADDON_MODULE } from './helpers/kernel-addon.js';

/** Runs `body` (ESM, `addon`, `stop` (the stop word) and `efd` in scope) in a fresh process. */
function child(body: string): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number } {
  const script = `
    const { loadKernelAddon } = await import(${JSON.stringify(ADDON_MODULE)});
    const addon = loadKernelAddon().addon;
    const stop = new Int32Array(new SharedArrayBuffer(8), 0, 2);
    const efd = addon.eventfd();
    const say = (...words) => process.stdout.write(words.join(' ') + '\\n');
    ${body}`;
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - started };
}

test('a SIGTERM sets the stop word and wakes another thread asleep in epollWait(-1); the end says which signal came', () => {
  const r = child(`
    const { Worker } = await import('node:worker_threads');
    const epfd = addon.epollCreate();
    addon.epollCtl(epfd, addon.constants.EPOLL_CTL_ADD, efd, addon.constants.EPOLLIN);
    const sleeper = new Worker(\`
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.module).then(({ loadKernelAddon }) => {
        const addon = loadKernelAddon().addon;
        parentPort.postMessage('asleep');
        parentPort.postMessage(addon.epollWait(workerData.epfd, new Int32Array(8), -1));
      });\`, { eval: true, execArgv: [], workerData: { module: ${JSON.stringify(ADDON_MODULE)}, epfd } });
    await new Promise((resolve) => sleeper.once('message', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    say('armed', addon.stopOnSignals(stop, efd, 10000, 'grace over\\n'));
    process.kill(process.pid, 'SIGTERM');
    const woke = await Promise.race([new Promise((resolve) => sleeper.once('message', resolve)), new Promise((resolve) => setTimeout(() => resolve('still asleep'), 3000))]);
    say('woke', woke, 'stop', Atomics.load(stop, 0), 'end', addon.stopOnSignalsEnd());
    process.exit(0);`);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'armed 0\nwoke 1 stop 1 end 15\n');
});

test("JavaScript's own listener still runs (once the event loop does); a second arming is refused while armed", () => {
  const r = child(`
    process.on('SIGINT', () => { say('listener', Atomics.load(stop, 0)); process.exit(0); });
    say('armed', addon.stopOnSignals(stop, efd, 10000, 'grace over\\n'));
    say('again', addon.stopOnSignals(stop, efd, 10000, 'x'));
    process.kill(process.pid, 'SIGINT');
    say('end', addon.stopOnSignalsEnd());
    setTimeout(() => say('no listener ran'), 3000);`);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, `armed 0\nagain -${16}\nend 2\nlistener 1\n`);
});

test('a repeated signal changes nothing, also with no JavaScript listener: the grace period still decides', () => {
  const r = child(`
    addon.stopOnSignals(stop, efd, 600, 'the grace is over\\n');
    process.kill(process.pid, 'SIGTERM');
    process.kill(process.pid, 'SIGTERM');
    process.kill(process.pid, 'SIGINT');
    for (;;) {}`);
  assert.equal([r.status, r.signal], [143, null], r.stderr);
  assert.is(r.stderr, 'the grace is over\n');
});

test('the grace period ends the process: the line on stderr, status 128 + the signal', () => {
  const r = child(`
    addon.stopOnSignals(stop, efd, 300, 'the grace is over\\n');
    process.kill(process.pid, 'SIGTERM');
    for (;;) {}`);
  assert.is(r.status, 143, r.stderr);
  assert.is(r.stderr, 'the grace is over\n');
});

test('ended within the grace period: the process goes on, and the signals are back to what they were', () => {
  const r = child(`
    addon.stopOnSignals(stop, efd, 400, 'the grace is over\\n');
    process.kill(process.pid, 'SIGTERM');
    const until = Date.now() + 100;
    while (Date.now() < until) {}
    say('end', addon.stopOnSignalsEnd());
    setTimeout(() => { say('alive'); process.kill(process.pid, 'SIGINT'); }, 800);
    setTimeout(() => say('SIGINT did not end it'), 3000);`);
  assert.is(r.stdout, 'end 15\nalive\n', r.stderr);
  assert.is(r.signal, 'SIGINT', "Node's default for SIGINT ended it");
  assert.is(r.stderr, '');
});

test.run();
