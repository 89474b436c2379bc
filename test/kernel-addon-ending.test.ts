// Kernel addon, ending a connection: shutdown(SHUT_WR) sends a FIN and keeps
// reading, close() sends a FIN, reset() sends an RST, and socketError()
// reports (once) the error an RST from the peer left.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from './helpers/clients.js';
import { readToEnd, withTimeout } from './helpers/echo-client.js';
import { acceptedConnection, E, guestMemory, iov, retry } from './helpers/kernel-addon.js';

test('shutdown(SHUT_WR): the peer reads to its end, and can still send to us', async () => {
  const c = await acceptedConnection('127.0.0.1', { allowHalfOpen: true });
  try {
    const mem = guestMemory().view();
    mem.set(Buffer.from('bye'));
    const rest = readToEnd(c.client);
    assert.is(c.addon.send(c.fd, mem, iov(0, 3), 1), 3);
    assert.is(c.addon.shutdown(c.fd, c.addon.constants.SHUT_WR), 0);
    assert.is((await rest).toString(), 'bye');
    c.client.end('after your FIN');
    assert.is(await retry('recv', () => c.addon.recv(c.fd, mem, iov(100, 64), 1, false)), 14);
    assert.is(Buffer.from(mem.subarray(100, 114)).toString(), 'after your FIN');
    assert.is(c.addon.send(c.fd, mem, iov(0, 3), 1), -E.EPIPE, 'no sending after SHUT_WR');
  } finally {
    c.close();
  }
});

test('close(): the peer sees an orderly end', async () => {
  const c = await acceptedConnection();
  try {
    const ended = readToEnd(c.client);
    assert.is(c.addon.close(c.fd), 0);
    c.fd = -1;
    assert.is((await ended).length, 0);
  } finally {
    c.close();
  }
});

test('reset(): the peer sees ECONNRESET, and queued bytes are dropped', async () => {
  const c = await acceptedConnection();
  try {
    const error = withTimeout('the reset', 2000, new Promise<NodeJS.ErrnoException>((resolve) => {
      c.client.once('error', resolve);
      c.client.once('end', () => resolve(Object.assign(new Error('orderly end'), { code: 'END' })));
    }));
    c.client.resume();
    assert.is(c.addon.reset(c.fd), 0);
    c.fd = -1;
    assert.is((await error).code, 'ECONNRESET');
  } finally {
    c.close();
  }
});

test('socketError(): -ECONNRESET after the peer\'s RST, then 0 (reading it clears it)', async () => {
  const c = await acceptedConnection();
  const { EPOLLERR, EPOLLHUP } = c.addon.constants;
  try {
    assert.is(c.addon.socketError(c.fd), 0);
    c.client.resetAndDestroy();
    const out = new Int32Array(2);
    await until(() => c.addon.epollWait(c.epfd, out, 0) === 1 && (out[1]! & (EPOLLERR | EPOLLHUP)) !== 0, 2000, 'ERR | HUP');
    assert.is(c.addon.socketError(c.fd), -E.ECONNRESET);
    assert.is(c.addon.socketError(c.fd), 0);
    assert.is(c.addon.socketError(c.listenFd), 0, 'a listener has no pending error');
    assert.is(c.addon.socketError(c.epfd), -E.ENOTSOCK);
  } finally {
    c.close();
  }
});

test.run();
