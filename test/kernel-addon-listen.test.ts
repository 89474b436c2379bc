// Kernel addon, listen: numeric IPv4 and IPv6 listeners on port 0 that
// node:net clients reach, their real port, and the kernel's own errors.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acceptedConnection, E, kernelAddon } from './helpers/kernel-addon.js';
import { KERNEL_ADDON, requirePrerequisite } from './helpers/prerequisites.js';

const it = requirePrerequisite(test, KERNEL_ADDON);

for (const ip of ['127.0.0.1', '::1']) {
  it(`listen on ${ip}:0 gives a real port that a client reaches, and accept takes it`, async () => {
    const c = await acceptedConnection(ip);
    try {
      assert.ok(c.port > 0 && c.port < 65536, `port ${c.port}`);
      assert.is(c.addon.localPort(c.fd), c.port, 'the accepted socket has the listening port');
      assert.is(c.client.remoteAddress, ip);
      assert.is(c.addon.accept(c.listenFd, c.epfd), -E.EAGAIN, 'nothing else pending');
    } finally {
      c.close();
    }
  });
}

it('a port in use answers -EADDRINUSE; an IPv6 listener is IPv6 only', async () => {
  const addon = kernelAddon();
  const v6 = addon.listen('::1', 0, 4);
  const port = addon.localPort(v6);
  try {
    assert.is(addon.listen('::1', port, 4), -E.EADDRINUSE);
    // IPV6_V6ONLY: the same port is still free on IPv4 unless something else holds it.
    const v4 = addon.listen('127.0.0.1', port, 4);
    if (v4 >= 0) addon.close(v4);
    else assert.is(v4, -E.EADDRINUSE, 'only a foreign IPv4 listener may hold it');
  } finally {
    addon.close(v6);
  }
});

it('close ends a listener (connecting is refused); closing again answers -EBADF', async () => {
  const addon = kernelAddon();
  const fd = addon.listen('127.0.0.1', 0, 4);
  const port = addon.localPort(fd);
  assert.is(addon.close(fd), 0);
  // At once: later, another part of the process may have been given that number.
  assert.is(addon.close(fd), -E.EBADF, 'closing twice answers EBADF, it does not throw');
  const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('error', resolve);
    s.once('connect', () => { s.destroy(); resolve(Object.assign(new Error('connected'), { code: 'CONNECTED' })); });
  });
  assert.is(error.code, 'ECONNREFUSED');
});

it('an address that is not this machine answers -EADDRNOTAVAIL', () => {
  const addon = kernelAddon();
  // TEST-NET-1 (RFC 5737): never assigned to a local interface; bind fails, nothing is sent.
  assert.is(addon.listen('192.0.2.1', 0, 4), -E.EADDRNOTAVAIL);
});

test.run();
