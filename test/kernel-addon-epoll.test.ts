// Kernel addon, epoll: accept registers the new connection (IN | OUT | RDHUP,
// edge-triggered) with no other call, and epollWait reports each fd with its
// events as flat (fd, events) pairs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep } from './helpers/echo-client.js';
import { acceptedConnection, E, guestMemory, iov, kernelAddon, readyNow, recvInto } from './helpers/kernel-addon.js';
import { KERNEL_ADDON, requirePrerequisite } from './helpers/prerequisites.js';

const it = requirePrerequisite(test, KERNEL_ADDON);

async function readyWithin(c: { addon: ReturnType<typeof kernelAddon>; epfd: number }, fd: number, bits: number, ms = 2000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const events = readyNow(c.addon, c.epfd).get(fd) ?? 0;
    if ((events & bits) === bits) return events;
    if (Date.now() > deadline) throw new Error(`fd ${fd}: events ${events} lack ${bits} after ${ms} ms`);
    await sleep(5);
  }
}

it('an accepted connection is in epoll already: OUT at once, IN when data comes, edge-triggered', async () => {
  const c = await acceptedConnection();
  const { EPOLLIN, EPOLLOUT, EPOLLRDHUP } = c.addon.constants;
  try {
    assert.is(readyNow(c.addon, c.epfd).get(c.fd), EPOLLOUT, 'writable, nothing to read');
    assert.is(readyNow(c.addon, c.epfd).size, 0, 'edge-triggered: no second report without a change');
    c.client.write('ping');
    const events = await readyWithin(c, c.fd, EPOLLIN);
    assert.is(events & EPOLLRDHUP, 0, 'no hangup yet');
    const mem = guestMemory().view();
    assert.is(recvInto(c.addon, c.fd, mem, iov(0, 16), 1, false), 4);
  } finally {
    c.close();
  }
});

it('the peer ending its side reports IN | RDHUP', async () => {
  const c = await acceptedConnection();
  const { EPOLLIN, EPOLLRDHUP } = c.addon.constants;
  try {
    readyNow(c.addon, c.epfd);
    c.client.end();
    await readyWithin(c, c.fd, EPOLLIN | EPOLLRDHUP);
  } finally {
    c.close();
  }
});

it('epollCtl adds, modifies and deletes; epollWait fills at most out.length / 2 pairs', async () => {
  const addon = kernelAddon();
  const { EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL, EPOLLIN, EPOLLOUT } = addon.constants;
  const epfd = addon.epollCreate();
  const fds = [addon.eventfd(), addon.eventfd(), addon.eventfd()];
  try {
    for (const fd of fds) {
      assert.is(addon.epollCtl(epfd, EPOLL_CTL_ADD, fd, EPOLLIN), 0);
      addon.wake(fd);
    }
    assert.is(addon.epollCtl(epfd, EPOLL_CTL_ADD, fds[0]!, EPOLLIN), -E.EEXIST);
    const out = new Int32Array(5).fill(-7); // room for two pairs; the last slot stays untouched
    assert.is(addon.epollWait(epfd, out, 0), 2);
    assert.is(out[4], -7);
    assert.ok(fds.includes(out[0]!) && fds.includes(out[2]!) && out[0] !== out[2], 'pairs name the fds');
    assert.is(out[1], EPOLLIN);
    assert.is(readyNow(addon, epfd).size, 3, 'level-triggered: all three still ready');

    assert.is(addon.epollCtl(epfd, EPOLL_CTL_MOD, fds[1]!, EPOLLIN | EPOLLOUT), 0);
    assert.is(readyNow(addon, epfd).get(fds[1]!), EPOLLIN | EPOLLOUT);
    assert.is(addon.epollCtl(epfd, EPOLL_CTL_MOD, fds[1]!, EPOLLIN), 0, 'an eventfd is always writable: back to IN only');
    assert.is(addon.epollCtl(epfd, EPOLL_CTL_DEL, fds[2]!, 0), 0);
    assert.not.ok(readyNow(addon, epfd).has(fds[2]!));
    assert.is(addon.epollCtl(epfd, 99, fds[0]!, EPOLLIN), -E.EINVAL, 'an unknown op is the kernel\'s EINVAL');
    assert.is(addon.epollCtl(epfd, EPOLL_CTL_DEL, fds[2]!, 0), -E.ENOENT);

    for (const fd of fds) addon.drain(fd);
    const started = performance.now();
    // A signal (a child process of another test ending, say) may cut the wait short: EINTR, then wait again.
    let n: number;
    do n = addon.epollWait(epfd, out, Math.max(0, Math.ceil(50 - (performance.now() - started))));
    while (n === -E.EINTR);
    assert.is(n, 0, 'nothing ready: the timeout ends the wait');
    const waited = performance.now() - started;
    assert.ok(waited >= 45, `waited ${waited} ms`);
  } finally {
    for (const fd of [...fds, epfd]) addon.close(fd);
  }
});

it('EPOLLET may be given as bit 31 or as the negative int32 that `|` makes', () => {
  const addon = kernelAddon();
  const { EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLLIN, EPOLLET } = addon.constants;
  const epfd = addon.epollCreate();
  const efd = addon.eventfd();
  try {
    assert.ok((EPOLLIN | EPOLLET) < 0);
    assert.is(addon.epollCtl(epfd, EPOLL_CTL_ADD, efd, EPOLLIN | EPOLLET), 0);
    addon.wake(efd);
    assert.is(readyNow(addon, epfd).get(efd), EPOLLIN);
    assert.is(readyNow(addon, epfd).size, 0, 'edge-triggered');
    assert.is(addon.epollCtl(epfd, EPOLL_CTL_MOD, efd, EPOLLIN + EPOLLET), 0, 're-arms');
    assert.is(readyNow(addon, epfd).get(efd), EPOLLIN);
  } finally {
    addon.close(efd);
    addon.close(epfd);
  }
});

test.run();
