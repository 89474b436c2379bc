// Kernel addon, listen(…, reusePort) and dup: listeners with SO_REUSEPORT
// share one address (one without it cannot join them), and a listener's dup
// keeps it open, with its queued connections, after the first fd is closed.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { E, kernelAddon, retry } from './helpers/kernel-addon.js';

test('two reusePort listeners share a port; a plain listener there is -EADDRINUSE', () => {
  const addon = kernelAddon();
  const first = addon.listen('127.0.0.1', 0, 4, true);
  assert.ok(first >= 0, `listen: ${first}`);
  const port = addon.localPort(first);
  const second = addon.listen('127.0.0.1', port, 4, true);
  try {
    assert.ok(second >= 0, `a second reusePort listener on ${port}: ${second}`);
    assert.is(addon.localPort(second), port);
    assert.is(addon.listen('127.0.0.1', port, 4), -E.EADDRINUSE);
    assert.is(addon.listen('127.0.0.1', port, 4, false), -E.EADDRINUSE);
  } finally {
    addon.close(first);
    if (second >= 0) addon.close(second);
  }
});

test('reusePort must be a boolean when given', () => {
  const addon = kernelAddon();
  assert.throws(() => addon.listen('127.0.0.1', 0, 4, 1 as unknown as boolean), /^listen\(\): reusePort must be a boolean, got a number$/);
});

test('a dup keeps a listener open with the connection queued on it', async () => {
  const addon = kernelAddon();
  const fd = addon.listen('127.0.0.1', 0, 4, true);
  const port = addon.localPort(fd);
  const copy = addon.dup(fd);
  assert.ok(copy >= 0 && copy !== fd, `dup: ${copy}`);
  const client = net.connect({ host: '127.0.0.1', port });
  client.on('error', () => {});
  try {
    await new Promise((resolve) => client.once('connect', resolve));
    assert.is(addon.close(fd), 0);
    const epfd = addon.epollCreate();
    const accepted = await retry('accept on the dup', () => addon.accept(copy, epfd));
    assert.ok(accepted >= 0);
    addon.close(accepted);
    addon.close(epfd);
  } finally {
    client.destroy();
    addon.close(copy);
  }
  assert.is(addon.dup(copy), -E.EBADF, 'dup of a closed fd answers EBADF');
});

test.run();
