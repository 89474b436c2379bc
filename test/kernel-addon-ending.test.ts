// Kernel addon, ending a connection: shutdown(SHUT_WR) sends a FIN and keeps
// reading, and close() sends a FIN. (An RST from either side, and what it
// leaves, is the transport contract's: test/transport-contract-recv-reset.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readToEnd } from './helpers/echo-client.js';
import { acceptedConnection, E, guestMemory, iov, retry, recvInto, sendFrom } from './helpers/kernel-addon.js';
import { KERNEL_ADDON, requirePrerequisite } from './helpers/prerequisites.js';

const it = requirePrerequisite(test, KERNEL_ADDON);

it('shutdown(SHUT_WR): the peer reads to its end, and can still send to us', async () => {
  const c = await acceptedConnection('127.0.0.1', { allowHalfOpen: true });
  try {
    const mem = guestMemory().view();
    mem.set(Buffer.from('bye'));
    const rest = readToEnd(c.client);
    assert.is(sendFrom(c.addon, c.fd, mem, iov(0, 3), 1), 3);
    assert.is(c.addon.shutdown(c.fd, c.addon.constants.SHUT_WR), 0);
    assert.is((await rest).toString(), 'bye');
    c.client.end('after your FIN');
    assert.is(await retry('recv', () => recvInto(c.addon, c.fd, mem, iov(100, 64), 1, false)), 14);
    assert.is(Buffer.from(mem.subarray(100, 114)).toString(), 'after your FIN');
    assert.is(sendFrom(c.addon, c.fd, mem, iov(0, 3), 1), -E.EPIPE, 'no sending after SHUT_WR');
  } finally {
    c.close();
  }
});

it('close(): the peer sees an orderly end', async () => {
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

test.run();
