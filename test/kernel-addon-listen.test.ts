// Kernel addon, listen: numeric IPv4 and IPv6 listeners on port 0 that
// node:net clients reach, their real port, IPv6 only for IPv6, and the
// kernel's own errors.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep, withTimeout } from './helpers/echo-client.js';
import { acceptedConnection, E, kernelAddon, retry } from './helpers/kernel-addon.js';
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

it('a port in use answers -EADDRINUSE', () => {
  const addon = kernelAddon();
  const v6 = addon.listen('::1', 0, 4);
  try {
    assert.is(addon.listen('::1', addon.localPort(v6), 4), -E.EADDRINUSE);
  } finally {
    addon.close(v6);
  }
});

// IPV6_V6ONLY: an IPv6 wildcard listener without it would also take IPv4
// connections (as ::ffff:127.0.0.1), a second listener the user never asked for.
it('an IPv6 listener is IPv6 only: the wildcard :: takes no IPv4 connection', async () => {
  const addon = kernelAddon();
  const v6 = addon.listen('::', 0, 4);
  assert.ok(v6 >= 0, `listen :: answered ${v6}`);
  const epfd = addon.epollCreate();
  const port = addon.localPort(v6);
  try {
    const v4 = await new Promise<string>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      s.once('connect', () => {
        s.destroy();
        resolve('connected');
      });
    });
    await sleep(50);
    const accepted = addon.accept(v6, epfd);
    if (accepted >= 0) addon.close(accepted);
    assert.is(accepted, -E.EAGAIN, `the IPv6 listener accepted an IPv4 connection (the client saw: ${v4})`);
    // And IPv6 still reaches it.
    const c = await connect6(port);
    const fd = await retry('accept over IPv6', () => addon.accept(v6, epfd));
    assert.ok(fd >= 0, `accept: ${fd}`);
    addon.close(fd);
    c.destroy();
  } finally {
    addon.close(v6);
    addon.close(epfd);
  }
});

function connect6(port: number): Promise<net.Socket> {
  return withTimeout(`connect to [::1]:${port}`, 5000, new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: '::1', port }, () => resolve(s));
    s.once('error', reject);
  }));
}

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
