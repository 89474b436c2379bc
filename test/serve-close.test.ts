// serve().close() with clients connected (idle, streaming, never reading):
// the listeners hang up, the core closes every connection and exits by
// itself (its stats line shows), well before the worker would be terminated,
// and nothing of the server is left (no socket, server, port or worker).
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, RUNTIMES, serve, STOP_GRACE_MS, TRANSPORTS } from '../ts/index.js';
import { until } from './helpers/clients.js';
import { closedByPeer, connect, roundTrip, sleep } from './helpers/echo-client.js';

/** Handle kinds a server owns; the test's own clients are destroyed before the check. */
const SERVER_RESOURCES = new Set(['TCPServerWrap', 'TCPSocketWrap', 'MessagePort', 'Worker']);

for (const transport of TRANSPORTS) {
for (const backend of BACKENDS) {
  for (const runtime of RUNTIMES) {
    test(`${backend} ${runtime} ${transport}: close() with clients connected ends promptly and leaves nothing open`, async () => {
      let stderr = '';
      const server = await serve({ backend, runtime, transport, port: 0, stderr: (b) => (stderr += Buffer.from(b).toString()) });
      const idle = await connect(server.address.port);
      await roundTrip(idle, Buffer.from('hello'));
      const streaming = await connect(server.address.port);
      streaming.on('error', () => {});
      streaming.resume();
      const chunk = randomBytes(16 * 1024);
      const pump = setInterval(() => streaming.writable && streaming.write(chunk), 1);
      const hog = await connect(server.address.port);
      hog.on('error', () => {});
      hog.pause();
      for (let i = 0; i < 64; i++) hog.write(chunk);
      await sleep(200);

      const started = Date.now();
      await server.close();
      const took = Date.now() - started;
      clearInterval(pump);
      assert.ok(took < STOP_GRACE_MS, `close() took ${took} ms (the worker was terminated?)`);
      assert.is(await server.finished, 0);
      assert.match(stderr, /stats: accepted=3 /);
      await Promise.all([closedByPeer(idle), closedByPeer(streaming), closedByPeer(hog)]);
      for (const s of [idle, streaming, hog]) s.destroy();
      // Closed handles leave the list on the next turns of the event loop.
      const left = () => process.getActiveResourcesInfo().filter((r) => SERVER_RESOURCES.has(r));
      await until(() => left().length === 0, 1000, `nothing left open after close() (open: ${left().join(', ')})`);
    });
  }
}

}
test.run();
