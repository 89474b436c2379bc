// The retry_accept fixture (c/test/retry_accept.c: accept forever, one stderr
// line per accept error, retry at once, like Rust's `for stream in
// listener.incoming()`) serves under run() and the CLI with blockingAccept. It never exits by
// itself; how promptly a host's stop ends it is for the host's own tests, so
// here the stop is only required to end the run one way or the other.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { STOP_GRACE_MS } from '../ts/index.js';
import { echoOnce, withTimeout } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { moduleRunners } from './helpers/module-runners.js';

const wasm = fixtureWasm('retry_accept');

for (const runner of moduleRunners()) {
  test(`${runner.name}: retry_accept echoes a connection, then the next one, with no error`, async () => {
    const running = runner.start(wasm, { listen: true, blockingAccept: true });
    const ended = running.exit.then(() => undefined, () => undefined);
    try {
      const address = await running.address;
      const big = randomBytes(64 * 1024);
      assert.ok((await echoOnce(address.port, big)).equals(big), '64 KiB echoed exactly');
      assert.ok((await echoOnce(address.port, Buffer.from('again'))).equals(Buffer.from('again')),
        'it went back to accept after the first peer closed');
      // Only while serving: once stopped it may retry (and log) in a loop.
      assert.is(running.stderr(), '', 'no accept or connection error while serving');
    } finally {
      running.stop();
      await withTimeout('the run to end after a stop', STOP_GRACE_MS + 3000, ended);
    }
  });
}

test.run();
