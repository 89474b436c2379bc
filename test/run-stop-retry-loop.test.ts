// Stopping a module that retries every accept error forever (retry_accept,
// written like Rust's `for stream in listener.incoming()`): the host ends it
// at once, with no spin and no log flood, whatever it does with the
// ECANCELED it is given; run() rejects with ModuleStoppedError.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModuleStoppedError, RUNTIMES, TRANSPORTS } from '../ts/index.js';
import { withTimeout } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { runStoppable } from './helpers/run-listening.js';

const wasm = fixtureWasm('retry_accept');

// The README's values, not the constants: a module is "told at most
// `MAX_STOP_NOTICES` (8) times", and the grace is `STOP_GRACE_MS` (2 s).
const README_STOP_NOTICES = 8;
const README_GRACE_MS = 2000;

for (const transport of TRANSPORTS) {
  for (const runtime of RUNTIMES) {
    test(`${runtime} ${transport}: a stop ends a retry-forever accept loop at once (not at the grace period), with at most ${README_STOP_NOTICES} error lines`, async () => {
      const { exit, address, stop, stderr } = runStoppable(wasm, { runtime, transport });
      await address;
      const started = performance.now();
      stop();
      const outcome = await withTimeout('the module to end', 5000, exit.then(() => null, (e: unknown) => e));
      const took = performance.now() - started;
      assert.instance(outcome, ModuleStoppedError);
      // Ended by the host at a call, not by terminating its thread after the grace period.
      assert.match((outcome as ModuleStoppedError).reason, new RegExp(`ignored ${README_STOP_NOTICES} requests to stop`));
      assert.ok(took < README_GRACE_MS, `ended after ${took.toFixed(0)} ms`);
      const lines = stderr().split('\n').filter(Boolean);
      assert.ok(lines.length <= README_STOP_NOTICES, `${lines.length} lines on stderr: ${lines.slice(0, 3).join(' | ')}`);
      assert.ok(lines.every((l) => /Operation canceled/.test(l)), stderr());
    });
  }
}

test.run();
