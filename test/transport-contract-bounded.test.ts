// Transport contract, bounded buffers: a module that never reads makes the
// transport hold a bounded number of bytes for that connection (the inbound
// limit and one chunk, for kinds that keep bytes in JavaScript; the kernel's
// socket buffers, for kinds that leave them there) and the peer is slowed
// down; another connection is served meanwhile. Run over every kind.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contract } from './helpers/transport-contract/contract.js';
import { connectAccepted, settleReadable, str } from './helpers/transport-contract/steps.js';

/** What a JavaScript transport may hold beyond its inbound limit: one read of the socket. */
const CHUNK = 64 * 1024;
const INBOUND = 128 * 1024;
const FLOOD_MS = 1500;

/** Most a kernel socket buffers for reading (tcp_rmem's maximum). */
function kernelReceiveMax(): number {
  return Number(readFileSync('/proc/sys/net/ipv4/tcp_rmem', 'utf8').trim().split(/\s+/)[2]);
}

contract(
  'a module that never reads holds a bounded number of bytes, and the peer is slowed down',
  async (rig) => {
    const m = rig.module;
    const hog = await connectAccepted(rig);
    let flooding = true;
    const flood = hog.peer.flood(FLOOD_MS).finally(() => (flooding = false));
    let held = 0;
    // The module goes on waiting and looking, as a busy host would; it never reads.
    while (flooding) {
      await m.wait(50);
      held = Math.max(held, await m.readable(hog.conn));
    }
    const { accepted, stalled } = await flood;
    await m.wait(0);
    held = Math.max(held, await m.readable(hog.conn));

    const bound = rig.kernelBuffered ? kernelReceiveMax() : rig.limits.inbound + CHUNK;
    assert.ok(held > 0, 'the module half never had a byte to read');
    if (!rig.kernelBuffered) assert.ok(held >= rig.limits.inbound / 2, `the transport held only ${held} bytes before pushing back`);
    assert.ok(held <= bound, `the transport held ${held} bytes for a module that reads nothing (bound ${bound})`);
    assert.ok(stalled, `the peer was not slowed down: the network took ${accepted} bytes in ${FLOOD_MS} ms and kept taking them`);

    const other = await connectAccepted(rig);
    other.peer.write('served');
    await settleReadable(m, other.conn, 6);
    assert.is(str((await m.recvBytes(other.conn)).bytes), 'served', 'another connection meanwhile');
    assert.is(await m.send(other.conn, 'yes'), 3);
    await m.wait(0);
    assert.is(str(await other.peer.read(3)), 'yes', 'the answer on the other connection');
  },
  { limits: { inbound: INBOUND, outbound: INBOUND } },
);

test.run();
