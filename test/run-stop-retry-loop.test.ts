// Stopping a module that retries every accept error forever (retry_accept,
// written like Rust's `for stream in listener.incoming()`): the host ends it
// at once, with no spin and no log flood, whatever it does with the
// ECANCELED it is given; run() rejects with ModuleStoppedError (the CLI: one
// line, 128 + the signal), in a worker and on the CLI's starting thread.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_STOP_NOTICES } from '../ts/host/index.js';
import { ModuleStoppedError, STOP_GRACE_MS } from '../ts/index.js';
import { withTimeout } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { moduleRunners } from './helpers/module-runners.js';

const wasm = fixtureWasm('retry_accept');

for (const runner of moduleRunners()) {
  test(`${runner.name}: a stop ends a retry-forever accept loop at once (not at the grace period), with at most ${MAX_STOP_NOTICES} error lines`, async () => {
    const running = runner.start(wasm, { listen: true });
    await running.address;
    const started = performance.now();
    running.stop();
    const outcome = await withTimeout('the module to end', 5000, running.exit.then(() => null, (e: unknown) => e));
    const took = performance.now() - started;
    assert.instance(outcome, ModuleStoppedError);
    // Ended by the host at a call, not by terminating its thread after the grace period.
    assert.match((outcome as ModuleStoppedError).reason, /ignored \d+ requests to stop/);
    assert.ok(took < STOP_GRACE_MS, `ended after ${took.toFixed(0)} ms`);
    const lines = running.stderr().split('\n').filter(Boolean);
    assert.ok(lines.length <= MAX_STOP_NOTICES, `${lines.length} lines on stderr: ${lines.slice(0, 3).join(' | ')}`);
    assert.ok(lines.every((l) => /Operation canceled/.test(l)), running.stderr());
  });
}

test.run();
