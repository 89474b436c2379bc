// serve({ instances: 2 }) on the kernel transport: two instances of the core,
// each with its own SO_REUSEPORT listener on one address. With 200
// connections every instance accepts some, every byte comes back, and stats()
// sums the instances and lists each one.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, RUNTIMES, serve } from '../ts/index.js';
import { connectMany } from './helpers/clients.js';
import { readExactly } from './helpers/echo-client.js';

const CONNECTIONS = 200;

for (const backend of BACKENDS) {
  for (const runtime of RUNTIMES) {
    test(`${backend} ${runtime} kernel: 2 instances, ${CONNECTIONS} connections: each instance accepts some, every byte is echoed`, async () => {
      const server = await serve({ backend, runtime, transport: 'kernel', port: 0, instances: 2, stderr: 'ignore' });
      try {
        assert.is(server.instances, 2);
        const sockets = await connectMany(CONNECTIONS, server.address.port);
        try {
          await Promise.all(
            sockets.map(async (s) => {
              const data = randomBytes(1000 + Math.floor(Math.random() * 3000));
              s.write(data);
              assert.ok((await readExactly(s, data.length, 10_000)).equals(data), 'echoed exactly');
            }),
          );
          const stats = server.stats();
          assert.is(stats.instances.length, 2);
          assert.is(stats.accepted, CONNECTIONS, 'every connection accepted once');
          assert.is(stats.instances[0]!.accepted + stats.instances[1]!.accepted, CONNECTIONS, 'the sum is the instances’');
          for (const [i, one] of stats.instances.entries()) assert.ok(one.accepted > 0, `instance ${i + 1} accepted none of ${CONNECTIONS}`);
          assert.is(stats.bytesIn, stats.instances[0]!.bytesIn + stats.instances[1]!.bytesIn);
          assert.is(stats.bytesOut, stats.bytesIn, 'every byte received was sent back');
          assert.is(stats.restarts, 0);
        } finally {
          for (const s of sockets) s.destroy();
        }
      } finally {
        await server.close();
      }
      assert.is(await server.finished, 0);
    });
  }
}

test('one instance (the default) is one module: stats list it alone', async () => {
  const server = await serve({ transport: 'kernel', port: 0, stderr: 'ignore' });
  try {
    assert.is(server.instances, 1);
    const stats = server.stats();
    assert.is(stats.instances.length, 1);
    assert.is(stats.restarts, 0);
  } finally {
    await server.close();
  }
});

test.run();
