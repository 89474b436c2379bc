// The default `--stall-timeout` (README: "(default 30000)"): a peer that
// never reads, paused at the high-water mark, is dropped once its output has
// not moved for 30000 ms; the core checks every stall/4 ms. So, with no
// --stall-timeout given, such a peer is still connected 25 s after it
// stopped moving and is gone before 30 s + 7.5 s + slack. (The other stall
// tests pass a short timeout; this one waits for the real default, once, on
// the CLI's server.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until, writeUntilStuck } from './helpers/clients.js';
import { connect, sleep } from './helpers/echo-client.js';
import { cliKind } from './helpers/wasm-kinds.js';
import { thenStop } from './helpers/then-stop.js';

/** README: "`--stall-timeout` ms (default 30000)". */
const README_DEFAULT_STALL_MS = 30000;
/** The core sweeps every stall/4, and a loaded machine may be late by some seconds. */
const LATEST_MS = README_DEFAULT_STALL_MS * 1.25 + 7500;

test('cli epoll node kernel with no --stall-timeout: a silent peer is dropped after the default 30000 ms, not before', async () => {
  const server = await cliKind('epoll', 'node', 'kernel').start({ verbose: true });
  const { stats } = await thenStop(async () => {
    const hog = await connect(server.port);
    hog.on('error', () => {});
    hog.pause();
    // The drop, as the core logs it (the client must not read: reading would move the output).
    const dropped = () => /closed \(peer stopped reading\)/.test(server.stderr());
    try {
      // Fill every buffer on the way: the core pauses the peer and its output stops moving.
      await writeUntilStuck(hog, 1000, 256 << 20);
      const stoppedAt = Date.now();
      await sleep(README_DEFAULT_STALL_MS - 5000);
      assert.not.ok(dropped(), 'dropped less than 25 s after its output stopped: before the default 30000 ms');
      await until(dropped, LATEST_MS - (Date.now() - stoppedAt), 'the silent peer to be dropped');
    } finally {
      hog.destroy();
    }
  }, () => server.stop());
  assert.is(stats?.dropped, 1);
});

test.run();
