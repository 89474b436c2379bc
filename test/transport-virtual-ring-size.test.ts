// The virtual network's default rings: "a connection's bytes live in two
// fixed rings (64 KiB each way by default)". A module that sends more than
// that has 64 KiB taken (then EAGAIN) until the client reads; a client that
// writes more has 64 KiB waiting for the module, the rest held back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_AGAIN } from '../ts/wasi/defs.js';
import { ioList } from './helpers/transport-contract/calls.js';
import { letOwnerRun, virtualPair } from './helpers/virtual-network.js';

/** README: "64 KiB each way by default". */
const README_RING = 64 * 1024;

test('64 KiB each way by default: what a send takes, and what waits for recv', async () => {
  const { owner, module } = await virtualPair();
  try {
    const client = await owner.connect();
    const h = module.accept(module.listeners[0]!);
    const big = new Uint8Array(100_000);
    assert.is(module.send(h, ioList(big, [0, big.length])), README_RING, 'a send of 100,000 bytes takes the ring: 64 KiB');
    assert.is(module.send(h, ioList(big, [0, 1])), -ERRNO_AGAIN, 'then nothing more until the client reads');
    const writing = client.writable.getWriter().write(new Uint8Array(100_000));
    writing.catch(() => {});
    await letOwnerRun();
    const into = new Uint8Array(200_000);
    assert.is(module.recv(h, ioList(into, [0, into.length]), false), README_RING, "of the client's 100,000 bytes, 64 KiB wait in the ring");
    module.close(h);
  } finally {
    await owner.close(0);
  }
});

test.run();
