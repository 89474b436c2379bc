import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { echoOnce, roundTrip } from './helpers/echo-client.js';
import { connectMany } from './helpers/clients.js';
import { allKinds } from './helpers/kinds.js';

const CLIENTS = 1100;
const FD_SETSIZE = 1024;

/** True if the connection echoes, false if the server closed it instead. */
async function served(s: net.Socket): Promise<boolean> {
  try {
    const data = randomBytes(32);
    return (await roundTrip(s, data, 5000)).equals(data);
  } catch {
    return false;
  }
}

for (const kind of allKinds().filter((k) => k.backend === 'select')) {
  test(`${kind.name}: at FD_SETSIZE extra connections are refused cleanly and the rest served`, async () => {
    const server = await kind.start();
    const sockets: net.Socket[] = [];
    try {
      sockets.push(...(await connectMany(CLIENTS, server.port)));
      const results = await Promise.all(sockets.map(served));
      const ok = results.filter(Boolean).length;
      assert.ok(ok >= FD_SETSIZE - 30 && ok <= FD_SETSIZE, `${ok} of ${CLIENTS} served`);
      // The served ones keep working after the refusals.
      const again = await Promise.all(sockets.filter((_, i) => results[i]).slice(0, 50).map(served));
      assert.ok(again.every(Boolean), 'served connections still echo after the cap was hit');
    } finally {
      for (const s of sockets) s.destroy();
    }
    // Once the crowd is gone there is room again.
    const data = randomBytes(1000);
    let back: Buffer = Buffer.alloc(0);
    for (let attempt = 0; attempt < 20 && !back.equals(data); attempt++) {
      back = await echoOnce(server.port, data).catch(() => Buffer.alloc(0));
    }
    assert.ok(back.equals(data), 'new connections are served after the crowd left');
    const { stats } = await server.stop();
    assert.ok(stats && stats.refused >= CLIENTS - FD_SETSIZE, `refused ${stats?.refused}`);
    assert.ok(stats && stats.accepted + stats.refused >= CLIENTS + 1);
  });
}

test.run();
