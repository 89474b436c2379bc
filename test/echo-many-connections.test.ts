import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { roundTrip } from './helpers/echo-client.js';
import { connectMany } from './helpers/clients.js';
import { allKinds } from './helpers/kinds.js';
import { thenStop } from './helpers/then-stop.js';

// Past the loop's initial table (1024 fds) until it is large enough to live in its own mmap (> 4096 entries): the table grows while
// callbacks run, which once left the dispatcher holding a stale pointer.
const CLIENTS = 5000;

for (const kind of allKinds().filter((k) => k.backend !== 'select')) {
  test(`${kind.name}: ${CLIENTS} connections open at once are all served`, async () => {
    const server = await kind.start();
    const sockets: net.Socket[] = [];
    const { code, stats } = await thenStop(async () => {
      try {
        sockets.push(...(await connectMany(CLIENTS, server.port)));
        const results = await Promise.all(sockets.map(async (s, i) => {
          const data = randomBytes(8 + (i % 64));
          return (await roundTrip(s, data, 15000)).equals(data);
        }));
        assert.is(results.filter(Boolean).length, CLIENTS);
      } finally {
        for (const s of sockets) s.destroy();
      }
    }, () => server.stop());
    assert.is(code, 0, 'the server survived and exited cleanly');
    assert.is(stats?.accepted, CLIENTS);
  });
}

test.run();
