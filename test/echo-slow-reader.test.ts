// A client that never reads, on every server kind: what it offers is
// bounded by --max-pending (the server stops reading it, and its memory —
// the server's process, or this process for a server in it — does not grow
// with what is offered), other clients are served meanwhile, and it is
// dropped after --stall-timeout.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeUntilStuck } from './helpers/clients.js';
import { closedByPeer, connect, roundTrip, sleep } from './helpers/echo-client.js';
import { allKinds } from './helpers/kinds.js';
import { procStats } from './helpers/servers.js';
import { thenStop } from './helpers/then-stop.js';

const MAX_PENDING = 256 * 1024;
const STALL_MS = 1000;

for (const kind of allKinds()) {
  test(`${kind.name}: a client that never reads is bounded, others are served, then it is dropped`, async () => {
    const server = await kind.start({ maxPending: MAX_PENDING, stallTimeoutMs: STALL_MS });
    const { stats } = await thenStop(async () => {
      // The server's process, or this one for a server in this process (whose client's own
      // buffers stay within one chunk: it waits for 'drain').
      const rss = () => (server.pid ? procStats(server.pid).rssKiB * 1024 : process.memoryUsage().rss);
      const before = rss();
      const hog = await connect(server.port);
      hog.on('error', () => {});
      hog.pause();
      const offered = await writeUntilStuck(hog, 300, 256 << 20);
      assert.ok(offered < 256 << 20, `the server kept reading ${offered} bytes from a client that never reads`);
      assert.ok(offered > 4 * MAX_PENDING, `only ${offered} bytes offered: the bound was not exercised`);
      // Beyond its buffers a server may grow by allocator slack, and under
      // Node by a lazily collected JS heap; neither grows with what is offered.
      const slack = kind.native ? 2 << 20 : 16 << 20;
      const grew = rss() - before;
      assert.ok(grew < MAX_PENDING + slack, `${server.pid ? 'server' : 'this process\'s'} RSS grew by ${grew} bytes after ${offered} offered`);

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
