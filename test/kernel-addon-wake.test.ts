// Kernel addon, eventfd: a worker blocked in epollWait(-1) is woken by the
// main thread's wake(), and drain() makes the eventfd quiet again.
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep, withTimeout } from './helpers/echo-client.js';
import { ADDON_MODULE, E, kernelAddon } from './helpers/kernel-addon.js';
import { KERNEL_ADDON, requirePrerequisite } from './helpers/prerequisites.js';

const it = requirePrerequisite(test, KERNEL_ADDON);

// The worker loads its own instance of the addon; fds are the process's, so numbers travel.
const BLOCKING_WAITER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.module).then(({ loadKernelAddon }) => {
  const addon = loadKernelAddon().addon;
  const out = new Int32Array(8);
  parentPort.postMessage({ blocking: true });
  const n = addon.epollWait(workerData.epfd, out, -1);
  parentPort.postMessage({ n, fd: out[0], events: out[1], at: Date.now() });
});
`;

it('wake() from the main thread ends a worker\'s epollWait(-1)', async () => {
  const addon = kernelAddon();
  const { EPOLL_CTL_ADD, EPOLLIN } = addon.constants;
  const efd = addon.eventfd();
  const epfd = addon.epollCreate();
  assert.is(addon.epollCtl(epfd, EPOLL_CTL_ADD, efd, EPOLLIN), 0);
  const worker = new Worker(BLOCKING_WAITER, { eval: true, workerData: { module: ADDON_MODULE, epfd } });
  try {
    const messages: { blocking?: boolean; n?: number; fd?: number; events?: number; at?: number }[] = [];
    worker.on('message', (m) => messages.push(m));
    const woken = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { n?: number }) => { if (m.n !== undefined) resolve(); });
      worker.once('error', reject);
    });
    await withTimeout('worker ready', 5000, new Promise<void>((resolve) => worker.once('message', () => resolve())));
    await sleep(200);
    assert.is(messages.length, 1, 'still blocked 200 ms later');
    const wokeAt = Date.now();
    assert.is(addon.wake(efd), 0);
    await withTimeout('the woken worker', 2000, woken);
    const result = messages[1]!;
    assert.equal({ n: result.n, fd: result.fd, events: result.events }, { n: 1, fd: efd, events: EPOLLIN });
    assert.ok(result.at! - wokeAt < 500, `woke ${result.at! - wokeAt} ms after wake()`);
  } finally {
    await worker.terminate();
    addon.close(efd);
    addon.close(epfd);
  }
});

it('drain() makes the eventfd quiet; draining a quiet one answers -EAGAIN', () => {
  const addon = kernelAddon();
  const efd = addon.eventfd();
  const epfd = addon.epollCreate();
  const out = new Int32Array(2);
  try {
    addon.epollCtl(epfd, addon.constants.EPOLL_CTL_ADD, efd, addon.constants.EPOLLIN);
    assert.is(addon.drain(efd), -E.EAGAIN);
    addon.wake(efd);
    addon.wake(efd);
    assert.is(addon.epollWait(epfd, out, 0), 1);
    assert.is(addon.drain(efd), 0, 'one drain takes every wake');
    assert.is(addon.epollWait(epfd, out, 0), 0);
    assert.is(addon.drain(efd), -E.EAGAIN);
  } finally {
    addon.close(efd);
    addon.close(epfd);
  }
});

test.run();
