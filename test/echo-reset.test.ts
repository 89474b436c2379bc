import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, echoOnce, roundTrip, sleep } from './helpers/echo-client.js';
import { allKinds } from './helpers/kinds.js';
import { thenStop } from './helpers/then-stop.js';

for (const kind of allKinds()) {
  test(`${kind.name}: a client that resets mid-stream closes only its own connection`, async () => {
    const server = await kind.start();
    const { code, stats } = await thenStop(async () => {
      const bystander = await connect(server.port);
      const rude = await connect(server.port);
      rude.on('error', () => {});
      rude.resume();
      rude.write(randomBytes(2 << 20));
      await sleep(50);
      rude.resetAndDestroy();
      await sleep(100);
      const data = randomBytes(10000);
      const back = await roundTrip(bystander, data);
      assert.ok(back.equals(data), 'the other connection is still served');
      const fresh = randomBytes(1000);
      assert.ok((await echoOnce(server.port, fresh)).equals(fresh), 'new connections are still served');
      bystander.destroy();
    }, () => server.stop());
    assert.is(code, 0);
    assert.is(stats?.accepted, 3);
  });
}

test.run();
