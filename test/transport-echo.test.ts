// node:net transport: bytes go through main → worker → main unchanged and in
// order, for one large stream and for many connections at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { connectMany } from './helpers/clients.js';
import { echoOnce, roundTrip } from './helpers/echo-client.js';
import { startTransportEcho } from './helpers/transport-echo.js';
import { thenStop } from './helpers/then-stop.js';

test('1 MiB of random bytes comes back exactly, and 50 concurrent clients are served', async () => {
  const echo = await startTransportEcho('echo');
  const result = await thenStop(async () => {
    const data = randomBytes(1024 * 1024);
    const back = await echoOnce(echo.port, data);
    assert.is(back.length, data.length);
    assert.ok(back.equals(data), 'echoed bytes differ');

    const sockets = await connectMany(50, echo.port);
    try {
      const replies = await Promise.all(sockets.map((s, i) => roundTrip(s, Buffer.from(`client ${i}\n`))));
      replies.forEach((reply, i) => assert.is(reply.toString(), `client ${i}\n`));
    } finally {
      for (const s of sockets) s.destroy();
    }
  }, () => echo.stop());
  assert.is(result.accepted, 51);
});

test.run();
