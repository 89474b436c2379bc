#!/usr/bin/env node
// What one call into the kernel-socket addon costs, in ns per call, over a
// loopback TCP connection, measured in a worker thread (where the kernel
// transport will call it) and on the main thread:
//
//   crossing   recv with a bound pair outside memory: -EFAULT before any
//              syscall, so JavaScript → C → JavaScript plus the argument checks
//   EAGAIN     recv on an empty socket: the crossing plus one recvmsg
//   recv 64 B  a recvmsg that copies 64 queued bytes into wasm memory
//   send 64 B  a sendmsg of 64 bytes from wasm memory
//
// Each figure is the median of ROUNDS batches (BATCH calls; RECV_BATCH for recv 64 B).
//   node scripts/addon-crossing.mjs            (after npm install / npm run build)

import net from 'node:net';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const BATCH = 20_000; // 64 B x 20k = 1.28 MB: fits the loopback send buffers, so no send fails
const RECV_BATCH = 1024; // 64 KiB queued: within the receive buffer's initial size
const ROUNDS = 15;
const ADDON = new URL('../dist/ts/transport/kernel/addon.js', import.meta.url);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];

async function measure() {
  const { loadKernelAddon } = await import(ADDON);
  const loaded = loadKernelAddon();
  if (!('addon' in loaded)) throw new Error(loaded.unavailable);
  const addon = loaded.addon;
  const listenFd = addon.listen('127.0.0.1', 0, 4);
  const epfd = addon.epollCreate();
  const client = await new Promise((resolve) => {
    const s = net.connect(addon.localPort(listenFd), '127.0.0.1', () => resolve(s));
  });
  let fd = -1;
  for (let i = 0; i < 1000 && fd < 0; i++) if ((fd = addon.accept(listenFd, epfd)) < 0) await sleep(2);
  if (fd < 0) throw new Error(`accept: ${fd}`);

  const mem = new Uint8Array(new WebAssembly.Memory({ initial: 1 }).buffer);
  const good = Uint32Array.of(1024, 64);
  const outside = Uint32Array.of(65536, 64);
  const EAGAIN = -11;

  const timeBatch = (call, expect, calls = BATCH) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) {
      const n = call();
      if (n !== expect) throw new Error(`call ${i} answered ${n}, not ${expect}`);
    }
    return Number(process.hrtime.bigint() - start) / calls;
  };

  const results = { crossing: [], EAGAIN: [], 'recv 64 B': [], 'send 64 B': [] };
  client.on('data', () => {}); // the peer drains what we send between batches
  for (let round = 0; round < ROUNDS; round++) {
    addon.bind(mem, outside);
    results.crossing.push(timeBatch(() => addon.recv(fd, 1, false), -14));
    addon.bind(mem, good);
    results.EAGAIN.push(timeBatch(() => addon.recv(fd, 1, false), EAGAIN));

    const queued = 64 * RECV_BATCH;
    client.write(Buffer.alloc(queued, 7));
    for (let i = 0; i < 2000 && addon.inbound(fd) < queued; i++) await sleep(1);
    results['recv 64 B'].push(timeBatch(() => addon.recv(fd, 1, false), 64, RECV_BATCH));

    results['send 64 B'].push(timeBatch(() => addon.send(fd, 1), 64));
    await sleep(20);
  }
  client.destroy();
  for (const f of [fd, listenFd, epfd]) addon.close(f);
  return Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(median(v))]));
}

if (isMainThread) {
  const inWorker = await new Promise((resolve, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url));
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const onMain = await measure();
  console.log(`kernel-socket addon, ns per call (median of ${ROUNDS} batches of ${BATCH}, recv 64 B ${RECV_BATCH}), Node ${process.version}:`);
  console.log('                worker   main');
  for (const key of Object.keys(inWorker)) {
    console.log(`  ${key.padEnd(12)} ${String(inWorker[key]).padStart(6)} ${String(onMain[key]).padStart(6)}`);
  }
} else {
  parentPort.postMessage(await measure());
}
