import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, roundTrip } from './helpers/echo-client.js';
import { allKinds } from './helpers/kinds.js';
import { thenStop } from './helpers/then-stop.js';

const CLIENTS = 200;
const ROUNDS = 3;

for (const kind of allKinds()) {
  test(`${kind.name}: ${CLIENTS} concurrent clients each get their own bytes back`, async () => {
    const server = await kind.start();
    const { stats } = await thenStop(async () => {
      const sockets = await Promise.all(Array.from({ length: CLIENTS }, () => connect(server.port)));
      try {
        // All connections are open at once; every round interleaves all of them.
        for (let r = 0; r < ROUNDS; r++) {
          await Promise.all(sockets.map(async (s, i) => {
            const data = randomBytes(100 + ((i * 37 + r * 1013) % 4000));
            const back = await roundTrip(s, data, 15000);
            assert.ok(back.equals(data), `client ${i} round ${r}: wrong bytes`);
          }));
        }
      } finally {
        for (const s of sockets) s.destroy();
      }
    }, () => server.stop());
    assert.is(stats?.accepted, CLIENTS);
  });
}

test.run();
