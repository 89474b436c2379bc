import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closedByPeer, connect, roundTrip, sleep } from './helpers/echo-client.js';
import { allKinds } from './helpers/kinds.js';
import { procStats } from './helpers/servers.js';
import { thenStop } from './helpers/then-stop.js';

const MAX_PENDING = 256 * 1024;
const STALL_MS = 1000;

/** Writes until the socket stays blocked for `stuckMs` (the server stopped reading). */
async function writeUntilStuck(s: net.Socket, stuckMs: number, limit: number): Promise<number> {
  const chunk = randomBytes(64 * 1024);
  let written = 0;
  while (written < limit) {
    written += chunk.length;
    if (s.write(chunk)) continue;
    const drained = await Promise.race([
      new Promise<boolean>((r) => s.once('drain', () => r(true))),
      sleep(stuckMs).then(() => false),
    ]);
    if (!drained) return written;
  }
  throw new Error(`the server kept reading ${limit} bytes from a client that never reads`);
}

for (const kind of allKinds()) {
  test(`${kind.name}: a client that never reads is bounded, others are served, then it is dropped`, async () => {
    const server = await kind.start({ maxPending: MAX_PENDING, stallTimeoutMs: STALL_MS });
    const { stats } = await thenStop(async () => {
      const before = server.pid ? procStats(server.pid).rssKiB : 0;
      const hog = await connect(server.port);
      hog.on('error', () => {});
      hog.pause();
      const offered = await writeUntilStuck(hog, 300, 256 << 20);
      assert.ok(offered > 4 * MAX_PENDING, `only ${offered} bytes offered: the bound was not exercised`);
      if (server.pid) {
        // Beyond its buffers a server may grow by allocator slack, and under
        // Node by a lazily collected JS heap; neither grows with what is offered.
        const slack = kind.native ? 2 << 20 : 16 << 20;
        const grew = (procStats(server.pid).rssKiB - before) * 1024;
        assert.ok(grew < MAX_PENDING + slack, `server RSS grew by ${grew} bytes after ${offered} offered`);
      }

      const other = await connect(server.port);
      const data = randomBytes(50000);
      assert.ok((await roundTrip(other, data)).equals(data), 'another client is served meanwhile');
      other.destroy();

      await sleep(STALL_MS * 1.5);
      await closedByPeer(hog, 5000 + STALL_MS);
      hog.destroy();
    }, () => server.stop());
    assert.is(stats?.dropped, 1, 'exactly the stalled client was dropped');
  });
}

test.run();
