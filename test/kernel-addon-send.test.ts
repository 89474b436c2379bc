// Kernel addon, send: bytes go straight from guest memory to the socket
// (gather), a peer that does not read makes sends short and then -EAGAIN, and
// a peer that is gone gives -EPIPE, never SIGPIPE.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readExactly } from './helpers/echo-client.js';
import { ADDON_MODULE, acceptedConnection, E, guestMemory, iov, sendFrom } from './helpers/kernel-addon.js';
import { KERNEL_ADDON, requirePrerequisite } from './helpers/prerequisites.js';

const it = requirePrerequisite(test, KERNEL_ADDON);

it('gather: one send writes each (offset, length) pair of guest memory, in order', async () => {
  const c = await acceptedConnection();
  try {
    const mem = guestMemory().view();
    mem.set(Buffer.from('world'), 500);
    mem.set(Buffer.from('hello '), 60000);
    mem.set(Buffer.from('!'), 7);
    const arrived = readExactly(c.client, 12);
    assert.is(sendFrom(c.addon, c.fd, mem, iov(60000, 6, 500, 5, 7, 1), 3), 12);
    assert.is((await arrived).toString(), 'hello world!');
  } finally {
    c.close();
  }
});

it('a peer that does not read: sends get short, then -EAGAIN; every accepted byte arrives', async () => {
  const c = await acceptedConnection();
  try {
    c.client.pause();
    const chunk = 4 * 65536;
    const mem = guestMemory(4).view();
    for (let i = 0; i < mem.length; i++) mem[i] = i % 251;
    let total = 0;
    let short = 0;
    let n = 0;
    // Loopback buffers hold a few MiB: 400 chunks (100 MiB) is far past full.
    for (let i = 0; i < 400; i++) {
      n = sendFrom(c.addon, c.fd, mem, iov(0, chunk), 1);
      if (n < 0) break;
      if (n < chunk) short++;
      total += n;
    }
    assert.is(n, -E.EAGAIN, 'full: -EAGAIN');
    assert.ok(short >= 1, `at least one short send before -EAGAIN (${short})`);
    assert.ok(total > chunk, `${total} bytes accepted before the buffer filled`);

    const reading = readExactly(c.client, total, 10_000);
    c.client.resume();
    const received = await reading;
    for (let i = 0; i < total; i++) {
      if (received[i] !== (i % chunk) % 251) assert.unreachable(`byte ${i} is ${received[i]}`);
    }
  } finally {
    c.close();
  }
});

// SIGPIPE is ignored by Node for the whole process, so this child makes it
// fatal again first: libuv restores the default action when the last
// 'SIGPIPE' listener goes. Without MSG_NOSIGNAL the child then dies of
// SIGPIPE instead of reading -EPIPE (checked by building without it).
const SEND_TO_GONE_PEER = `
import net from 'node:net';
import { loadKernelAddon } from ${JSON.stringify(ADDON_MODULE)};
const onPipe = () => {};
process.on('SIGPIPE', onPipe);
process.off('SIGPIPE', onPipe);
const addon = loadKernelAddon().addon;
const listenFd = addon.listen('127.0.0.1', 0, 4);
const epfd = addon.epollCreate();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const client = net.connect(addon.localPort(listenFd), '127.0.0.1', async () => {
  let fd;
  for (let i = 0; i < 500 && (fd = addon.accept(listenFd, epfd)) < 0; i++) await sleep(5);
  client.destroy();
  await sleep(50);
  const mem = new Uint8Array(new WebAssembly.Memory({ initial: 1 }).buffer);
  const results = [];
  addon.bind(mem, Uint32Array.of(0, 100));
  for (let i = 0; i < 50 && results.at(-1) !== -32; i++) {
    results.push(addon.send(fd, 1));
    await sleep(10);
  }
  console.log(JSON.stringify(results));
});
`;

it('a peer that is gone: -EPIPE, and the process survives even with SIGPIPE fatal', () => {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', SEND_TO_GONE_PEER], { encoding: 'utf8', timeout: 10_000 });
  assert.is(child.signal, null, `the child was killed by ${child.signal}: ${child.stderr}`);
  assert.is(child.status, 0, child.stderr);
  const results = JSON.parse(child.stdout) as number[];
  assert.is(results.at(-1), -E.EPIPE, `sends: ${results}`);
  assert.ok(results.every((n) => n === 100 || n === -E.ECONNRESET || n === -E.EPIPE), `sends: ${results}`);
});

test.run();
