// The select core at its cap (README: "at FD_SETSIZE (1024) it accepts and
// closes the extra connection, counted as refused …, and keeps serving the
// rest"), on every select server kind. Each client's answer is classified:
// a refusal is a close without a byte; wrong bytes or no answer fail.
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { echoOnce } from './helpers/echo-client.js';
import { answerTo, connectMany, countAnswers } from './helpers/clients.js';
import { allKinds } from './helpers/kinds.js';
import { thenStop } from './helpers/then-stop.js';

const CLIENTS = 1100;
/** README: "at FD_SETSIZE (1024)". */
const FD_SETSIZE = 1024;

const served = (s: net.Socket) => answerTo(s, randomBytes(32), 5000);

for (const kind of allKinds().filter((k) => k.backend === 'select')) {
  test(`${kind.name}: at FD_SETSIZE extra connections are refused cleanly and the rest served`, async () => {
    const server = await kind.start();
    let refusedClients = 0;
    // thenStop: a failing check must not leave the server running (its process would hold the run open).
    const { stats } = await thenStop(async () => {
      const sockets: net.Socket[] = [];
      try {
        sockets.push(...(await connectMany(CLIENTS, server.port)));
        const results = await Promise.all(sockets.map(served));
        const counts = countAnswers(results);
        assert.equal({ wrong: counts.wrong, silent: counts.silent }, { wrong: 0, silent: 0 }, `wrong bytes or no answer: ${JSON.stringify(counts)}`);
        assert.ok(counts.echoed >= FD_SETSIZE - 30 && counts.echoed <= FD_SETSIZE, `${counts.echoed} of ${CLIENTS} served (${JSON.stringify(counts)})`);
        refusedClients = counts.closed;
        // The served ones keep working after the refusals.
        const again = await Promise.all(sockets.filter((_, i) => results[i] === 'echoed').slice(0, 50).map(served));
        assert.equal(countAnswers(again), { echoed: again.length, closed: 0, wrong: 0, silent: 0 }, 'served connections still echo after the cap was hit');
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
    }, () => server.stop());
    assert.ok(stats && stats.refused >= refusedClients, `refused=${stats?.refused}, ${refusedClients} clients closed without an echo`);
    assert.ok(stats && stats.accepted + stats.refused >= CLIENTS + 1);
  });
}

test.run();
