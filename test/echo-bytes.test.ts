import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { echoOnce } from './helpers/echo-client.js';
import { allKinds } from './helpers/kinds.js';
import { thenStop } from './helpers/then-stop.js';

for (const kind of allKinds()) {
  test(`${kind.name}: 1 MiB of random bytes comes back exactly, in order`, async () => {
    const server = await kind.start();
    const data = randomBytes(1 << 20);
    const { code, stats } = await thenStop(async () => {
      const back = await echoOnce(server.port, data, 15000);
      assert.is(back.length, data.length);
      assert.ok(back.equals(data), 'echoed bytes differ from what was sent');
    }, () => server.stop());
    assert.is(code, 0);
    assert.is(stats?.bytes_in, data.length);
    assert.is(stats?.bytes_out, data.length);
    assert.is(stats?.accepted, 1);
  });
}

test.run();
