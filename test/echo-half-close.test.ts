import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, readToEnd } from './helpers/echo-client.js';
import { allKinds } from './helpers/kinds.js';
import { thenStop } from './helpers/then-stop.js';

for (const kind of allKinds()) {
  test(`${kind.name}: after the client's FIN the server flushes everything, then closes`, async () => {
    const server = await kind.start();
    const { stats } = await thenStop(async () => {
      const s = await connect(server.port);
      const back = readToEnd(s, 15000);
      // Write a burst larger than socket buffers and FIN immediately: the echo
      // of most of it is still pending when the FIN arrives.
      const data = randomBytes(4 << 20);
      s.end(data);
      const got = await back; // resolves on the server's FIN
      assert.is(got.length, data.length);
      assert.ok(got.equals(data));
      s.destroy();
    }, () => server.stop());
    assert.is(stats?.closed, 1, 'the server closed the connection itself');
  });
}

test.run();
