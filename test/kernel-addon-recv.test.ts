// Kernel addon, recv: bytes go straight from the socket into a
// WebAssembly.Memory (scatter), peek leaves them queued, EOF reads 0 after
// the data, and an RST from the peer reads -ECONNRESET.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from './helpers/clients.js';
import { acceptedConnection, E, guestMemory, iov, retry, recvInto } from './helpers/kernel-addon.js';
import { KERNEL_ADDON, requirePrerequisite } from './helpers/prerequisites.js';

const it = requirePrerequisite(test, KERNEL_ADDON);

it('scatter: one recv fills each (offset, length) pair of guest memory in order, nothing else', async () => {
  const c = await acceptedConnection();
  try {
    const guest = guestMemory();
    const mem = guest.view();
    mem.fill(0xee);
    c.client.write('hello, wasm world');
    await until(() => c.addon.inbound(c.fd) === 17, 2000, 'the 17 bytes to arrive');
    assert.is(recvInto(c.addon, c.fd, mem, iov(100, 5, 65000, 2, 30, 100), 3, false), 17);
    assert.is(Buffer.from(mem.subarray(100, 105)).toString(), 'hello');
    assert.is(Buffer.from(mem.subarray(65000, 65002)).toString(), ', ');
    assert.is(Buffer.from(mem.subarray(30, 40)).toString(), 'wasm world');
    const touched = new Set([...Array(5).keys()].map((i) => 100 + i).concat([65000, 65001], [...Array(10).keys()].map((i) => 30 + i)));
    assert.ok(mem.every((b, i) => touched.has(i) || b === 0xee), 'no byte outside the pairs changed');
    assert.is(recvInto(c.addon, c.fd, mem, iov(0, 10), 1, false), -E.EAGAIN, 'drained');
  } finally {
    c.close();
  }
});

it('recv into a view made after memory.grow reaches the new pages', async () => {
  const c = await acceptedConnection();
  try {
    const guest = guestMemory(1);
    guest.memory.grow(1);
    c.client.write('past the first page');
    await until(() => c.addon.inbound(c.fd) === 19, 2000, 'the bytes');
    const mem = guest.view();
    assert.is(recvInto(c.addon, c.fd, mem, iov(65536 + 100, 19), 1, false), 19);
    assert.is(Buffer.from(mem.subarray(65636, 65655)).toString(), 'past the first page');
  } finally {
    c.close();
  }
});

it('peek reads the bytes and leaves them queued', async () => {
  const c = await acceptedConnection();
  try {
    const mem = guestMemory().view();
    c.client.write('look, do not take');
    await until(() => c.addon.inbound(c.fd) === 17, 2000, 'the bytes');
    assert.is(recvInto(c.addon, c.fd, mem, iov(0, 4), 1, true), 4);
    assert.is(Buffer.from(mem.subarray(0, 4)).toString(), 'look');
    assert.is(c.addon.inbound(c.fd), 17, 'still queued');
    assert.is(recvInto(c.addon, c.fd, mem, iov(100, 64), 1, false), 17);
    assert.is(Buffer.from(mem.subarray(100, 117)).toString(), 'look, do not take');
  } finally {
    c.close();
  }
});

it('after the peer ends: the data, then 0 (EOF), and 0 again', async () => {
  const c = await acceptedConnection();
  try {
    const mem = guestMemory().view();
    c.client.end('last words');
    assert.is(await retry('recv', () => recvInto(c.addon, c.fd, mem, iov(0, 64), 1, false)), 10);
    assert.is(await retry('recv at EOF', () => recvInto(c.addon, c.fd, mem, iov(0, 64), 1, false)), 0);
    assert.is(recvInto(c.addon, c.fd, mem, iov(0, 64), 1, false), 0);
  } finally {
    c.close();
  }
});

it('an RST from the peer reads -ECONNRESET, then EOF', async () => {
  const c = await acceptedConnection();
  try {
    const mem = guestMemory().view();
    c.client.resetAndDestroy();
    assert.is(await retry('recv after RST', () => recvInto(c.addon, c.fd, mem, iov(0, 64), 1, false)), -E.ECONNRESET);
    assert.is(recvInto(c.addon, c.fd, mem, iov(0, 64), 1, false), 0, 'the error is reported once');
  } finally {
    c.close();
  }
});

it('zero pairs read nothing and answer 0 at once (recv(2) semantics: not EOF)', async () => {
  const c = await acceptedConnection();
  try {
    const mem = guestMemory().view();
    c.client.write('x');
    await until(() => c.addon.inbound(c.fd) === 1, 2000, 'the byte');
    assert.is(recvInto(c.addon, c.fd, mem, iov(), 0, false), 0);
    assert.is(recvInto(c.addon, c.fd, mem, iov(0, 0), 1, false), 0);
    assert.is(c.addon.inbound(c.fd), 1, 'the byte is still there');
  } finally {
    c.close();
  }
});

test.run();
