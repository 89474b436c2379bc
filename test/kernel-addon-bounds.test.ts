// Kernel addon, bounds: every (offset, length) pair is checked against guest
// memory as it is now, before any syscall. A bad list answers -EFAULT (or
// -EINVAL for too many pairs), writes no byte of memory, and leaves the
// socket as it was: the queued bytes are still there, nothing was sent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from './helpers/clients.js';
import { sleep } from './helpers/echo-client.js';
import { acceptedConnection, E, guestMemory, iov, type Accepted, recvInto, sendFrom } from './helpers/kernel-addon.js';
import { KERNEL_ADDON, requirePrerequisite } from './helpers/prerequisites.js';

const it = requirePrerequisite(test, KERNEL_ADDON);

const PAGE = 65536;
const QUEUED = 'queued bytes stay queued';

interface BadList {
  name: string;
  answer: number;
  /** The memory view and pairs to pass. */
  make(): { mem: Uint8Array; pairs: Uint32Array; count: number };
}

const fresh = () => {
  const guest = guestMemory(1);
  guest.view().fill(0x5a);
  return guest;
};

const BAD_LISTS: BadList[] = [
  { name: 'offset past the end', answer: -E.EFAULT, make: () => ({ mem: fresh().view(), pairs: iov(0, 4, PAGE + 1, 0), count: 2 }) },
  { name: 'length past the end', answer: -E.EFAULT, make: () => ({ mem: fresh().view(), pairs: iov(PAGE - 4, 5), count: 1 }) },
  { name: 'offset + length wraps 32 bits', answer: -E.EFAULT, make: () => ({ mem: fresh().view(), pairs: iov(0, 8, 0xffffffff, 2), count: 2 }) },
  { name: 'a bad pair after a good one fails the whole call', answer: -E.EFAULT, make: () => ({ mem: fresh().view(), pairs: iov(0, 8, 16, 0xffffffff), count: 2 }) },
  {
    name: 'memory detached by memory.grow (a stale view)',
    answer: -E.EFAULT,
    make: () => {
      const guest = fresh();
      const stale = guest.view();
      guest.memory.grow(1);
      assert.is(stale.length, 0, 'the old view is detached');
      return { mem: stale, pairs: iov(0, 8), count: 1 };
    },
  },
  { name: 'iovCount beyond the pairs given', answer: -E.EFAULT, make: () => ({ mem: fresh().view(), pairs: iov(0, 8), count: 2 }) },
  {
    name: 'iovCount above IOV_MAX (1024)',
    answer: -E.EINVAL,
    make: () => ({ mem: fresh().view(), pairs: new Uint32Array(2 * 1025).fill(1), count: 1025 }),
  },
];

async function withQueuedBytes(body: (c: Accepted) => Promise<void>) {
  const c = await acceptedConnection();
  try {
    c.client.write(QUEUED);
    await until(() => c.addon.inbound(c.fd) === QUEUED.length, 2000, 'the bytes to be queued');
    await body(c);
  } finally {
    c.close();
  }
}

for (const bad of BAD_LISTS) {
  it(`recv, ${bad.name}: ${bad.answer === -E.EINVAL ? '-EINVAL' : '-EFAULT'}, nothing written, nothing read`, () =>
    withQueuedBytes(async (c) => {
      const { mem, pairs, count } = bad.make();
      const before = Buffer.from(mem);
      for (const peek of [false, true]) assert.is(recvInto(c.addon, c.fd, mem, pairs, count, peek), bad.answer);
      assert.ok(Buffer.from(mem).equals(before), 'memory unchanged');
      assert.is(c.addon.inbound(c.fd), QUEUED.length, 'the socket still holds every byte');
    }));

  it(`send, ${bad.name}: ${bad.answer === -E.EINVAL ? '-EINVAL' : '-EFAULT'}, nothing sent`, async () => {
    const c = await acceptedConnection();
    try {
      const received: Buffer[] = [];
      c.client.on('data', (b: Buffer) => received.push(b));
      const { mem, pairs, count } = bad.make();
      assert.is(sendFrom(c.addon, c.fd, mem, pairs, count), bad.answer);
      // A byte that had gone out would arrive first, before this marker.
      const marker = guestMemory().view();
      marker.set(Buffer.from('marker'));
      assert.is(sendFrom(c.addon, c.fd, marker, iov(0, 6), 1), 6);
      await until(() => Buffer.concat(received).length >= 6, 2000, 'the marker');
      await sleep(20);
      assert.is(Buffer.concat(received).toString(), 'marker');
    } finally {
      c.close();
    }
  });
}

it('the last byte of memory is in bounds; so is an empty pair at the very end', () =>
  withQueuedBytes(async (c) => {
    const mem = fresh().view();
    assert.is(recvInto(c.addon, c.fd, mem, iov(PAGE, 0, PAGE - 1, 1), 2, false), 1);
    assert.is(mem[PAGE - 1], QUEUED.charCodeAt(0));
  }));

it('bindIfNeeded binds again after memory.grow: the new view and its new end, never the stale one', () =>
  withQueuedBytes(async (c) => {
    const guest = guestMemory(1);
    const pairs = iov(PAGE, 4);
    assert.is(recvInto(c.addon, c.fd, guest.view(), pairs, 1, true), -E.EFAULT, 'past the end of one page');
    guest.memory.grow(1);
    assert.is(recvInto(c.addon, c.fd, guest.view(), pairs, 1, false), 4, 'in the second page once grown');
    assert.is(Buffer.from(guest.view().subarray(PAGE, PAGE + 4)).toString(), QUEUED.slice(0, 4));
  }));

test.run();
