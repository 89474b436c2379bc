// The retry_accept fixture (c/test/retry_accept.c: accept forever, one stderr
// line per accept error, retry at once, like Rust's `for stream in
// listener.incoming()`) serves under run() with blockingAccept. It never exits by itself; how
// promptly a host's stop ends it is for the host's own tests, so here the
// stop is only required to end the run one way or the other.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES, STOP_GRACE_MS, TRANSPORTS } from '../ts/index.js';
import { echoOnce, withTimeout } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { runListening } from './helpers/run-listening.js';

const wasm = fixtureWasm('retry_accept');

for (const transport of TRANSPORTS) {
for (const runtime of RUNTIMES) {
  test(`${runtime} ${transport}: retry_accept echoes a connection, then the next one, with no error`, async () => {
    const controller = new AbortController();
    let stderr = '';
    let stopping = false;
    const { exit, address: bound } = runListening(wasm, {
      runtime,
      transport,
      blockingAccept: true,
      stdout: 'ignore',
      // Kept only while serving: once stopped it may retry (and log) in a loop.
      stderr: (bytes) => { if (!stopping) stderr += Buffer.from(bytes).toString(); },
      signal: controller.signal,
    });
    const ended = exit.then(() => undefined, () => undefined);
    try {
      const address = await bound;
      const big = randomBytes(64 * 1024);
      assert.ok((await echoOnce(address.port, big)).equals(big), '64 KiB echoed exactly');
      assert.ok((await echoOnce(address.port, Buffer.from('again'))).equals(Buffer.from('again')),
        'it went back to accept after the first peer closed');
      assert.is(stderr, '', 'no accept or connection error while serving');
    } finally {
      stopping = true;
      controller.abort();
      await withTimeout('the run to end after a stop', STOP_GRACE_MS + 3000, ended);
    }
  });
}

}
test.run();
