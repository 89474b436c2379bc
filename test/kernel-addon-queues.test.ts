// Kernel addon, queue sizes for poll_oneoff's nbytes: inbound() counts the
// bytes waiting to be read, outboundRoom() about how many one send would take.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from './helpers/clients.js';
import { acceptedConnection, E, guestMemory, iov, recvInto, sendFrom } from './helpers/kernel-addon.js';
import { KERNEL_ADDON, requirePrerequisite } from './helpers/prerequisites.js';

const it = requirePrerequisite(test, KERNEL_ADDON);

it('inbound(): the bytes the peer sent and we have not read', async () => {
  const c = await acceptedConnection();
  try {
    assert.is(c.addon.inbound(c.fd), 0);
    c.client.write(Buffer.alloc(1000));
    c.client.write(Buffer.alloc(234));
    await until(() => c.addon.inbound(c.fd) === 1234, 2000, '1234 bytes queued');
    assert.is(recvInto(c.addon, c.fd, guestMemory().view(), iov(0, 1000), 1, false), 1000);
    assert.is(c.addon.inbound(c.fd), 234);
    assert.is(c.addon.inbound(c.listenFd), -E.EINVAL, 'a listener has no byte count');
  } finally {
    c.close();
  }
});

it('outboundRoom(): shrinks while a peer that does not read lets the queue fill, and comes back', async () => {
  const c = await acceptedConnection();
  try {
    c.client.pause();
    const empty = c.addon.outboundRoom(c.fd);
    assert.ok(empty > 0, `room ${empty} on an idle socket`);
    const mem = guestMemory(4).view();
    let n = 0;
    for (let i = 0; i < 400 && (n = sendFrom(c.addon, c.fd, mem, iov(0, mem.length), 1)) > 0; i++);
    assert.is(n, -E.EAGAIN);
    const full = c.addon.outboundRoom(c.fd);
    assert.ok(full < empty, `room ${full} when full, ${empty} when idle`);
    // The kernel refuses a send while under a third of the buffer is free.
    assert.ok(full < empty / 2, `room ${full} of ${empty} when send answers -EAGAIN`);
    c.client.resume();
    // The kernel may have grown the buffer meanwhile (autotuning): at least the old room comes back.
    await until(() => c.addon.outboundRoom(c.fd) >= empty, 5000, 'the room to come back as the peer reads');
  } finally {
    c.close();
  }
});

test.run();
