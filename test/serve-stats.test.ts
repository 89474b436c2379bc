// server.stats() in Node, as the README documents it: `{ accepted, refused,
// connected, closed, open, denied, bytesIn, bytesOut }`, counted by the host
// for every transport and runtime — here with one connection echoed and
// closed and one still open (the echo core opens no socket of its own, so
// nothing is connected or denied) — and the `stdout` and `stderr` options:
// where the core's output goes. One instance (the default): `restarts` is 0
// and `instances` lists it alone, with the same counts.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES, serve, TRANSPORTS, type ConnectionStats, type Server } from '../ts/index.js';
import { until } from './helpers/clients.js';
import { connect, echoOnce, roundTrip } from './helpers/echo-client.js';

/** The counts of stats(), once its one instance is checked to hold the same and no restart. */
function counts(server: Server): ConnectionStats {
  const { restarts, instances, ...sum } = server.stats();
  assert.is(restarts, 0);
  assert.equal(instances, [{ ...sum, restarts: 0 }]);
  return sum;
}

for (const transport of TRANSPORTS) {
  for (const runtime of RUNTIMES) {
    test(`serve({ runtime: '${runtime}', transport: '${transport}' }).stats(): accepted, refused, connected, closed, open, denied, bytesIn, bytesOut`, async () => {
      let stdout = '';
      let stderr = '';
      const server = await serve({ runtime, transport, port: 0, stdout: (b) => (stdout += Buffer.from(b)), stderr: (b) => (stderr += Buffer.from(b)) });
      try {
        assert.equal(counts(server), { accepted: 0, refused: 0, connected: 0, closed: 0, open: 0, denied: 0, bytesIn: 0, bytesOut: 0 });
        const held = await connect(server.address.port);
        try {
          await roundTrip(held, Buffer.from('held open'));
          const data = randomBytes(100_000);
          assert.ok((await echoOnce(server.address.port, data)).equals(data));
          const expected = { accepted: 2, refused: 0, connected: 0, closed: 1, open: 1, denied: 0, bytesIn: 100_009, bytesOut: 100_009 };
          // The module's close of the echoed connection may come just after the client saw its end.
          await until(() => server.stats().closed === 1, 5000, 'the echoed connection to be counted closed').catch(() => {});
          assert.equal(counts(server), expected);
        } finally {
          held.destroy();
        }
        await until(() => server.stats().open === 0, 5000, 'the held connection to be counted closed').catch(() => {});
        assert.equal(counts(server), { accepted: 2, refused: 0, connected: 0, closed: 2, open: 0, denied: 0, bytesIn: 100_009, bytesOut: 100_009 });
      } finally {
        await server.close();
      }
      // stdout and stderr as asked: the core prints nothing on stdout, and its stats line on stderr.
      assert.is(stdout, '');
      assert.match(stderr, /^stats: accepted=2 refused=0 closed=2 bytes_in=100009 bytes_out=100009 dropped=0$/m);
    });
  }
}

test.run();
