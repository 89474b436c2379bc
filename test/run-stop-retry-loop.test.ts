// Stopping a module that retries every accept error forever (retry_accept,
// written like Rust's `for stream in listener.incoming()`): the host ends it
// at once, with no spin and no log flood, whatever it does with the
// ECANCELED it is given; run() rejects with ModuleStoppedError. With
// blockingAccept (what such a program needs) it sleeps in accept until then;
// without it, its listener is NONBLOCK and it retries EAGAIN at once, a line
// each time, as under wasmtime — and the stop ends it just as promptly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_STOP_NOTICES } from '../ts/host/index.js';
import { ModuleStoppedError, RUNTIMES, STOP_GRACE_MS, TRANSPORTS } from '../ts/index.js';
import { until } from './helpers/clients.js';
import { withTimeout } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { runStoppable } from './helpers/run-listening.js';

const wasm = fixtureWasm('retry_accept');

/** Stops the run; resolves with how it ended, how long that took, stderr before the stop and its lines after. */
async function stopAndWait(running: ReturnType<typeof runStoppable>) {
  await running.address;
  const before = running.stderr();
  const started = performance.now();
  running.stop();
  const outcome = await withTimeout('the module to end', 5000, running.exit.then(() => null, (e: unknown) => e));
  const took = performance.now() - started;
  return { outcome, took, before, lines: running.stderr().slice(before.length).split('\n').filter(Boolean) };
}

for (const transport of TRANSPORTS) {
  for (const runtime of RUNTIMES) {
    test(`${runtime} ${transport}: blockingAccept: a stop ends a retry-forever accept loop at once (not at the grace period), with at most ${MAX_STOP_NOTICES} error lines`, async () => {
      const running = runStoppable(wasm, { runtime, transport, blockingAccept: true });
      const { outcome, took, before, lines } = await stopAndWait(running);
      assert.is(before, '', 'it slept in accept: no error before the stop');
      assert.instance(outcome, ModuleStoppedError);
      // Ended by the host at a call, not when the grace period ran out.
      assert.match((outcome as ModuleStoppedError).reason, /ignored \d+ requests to stop/);
      assert.ok(took < STOP_GRACE_MS, `ended after ${took.toFixed(0)} ms`);
      assert.ok(lines.length <= MAX_STOP_NOTICES, `${lines.length} lines on stderr: ${lines.slice(0, 3).join(' | ')}`);
      assert.ok(lines.every((l) => /Operation canceled/.test(l)), running.stderr());
    });

    test(`${runtime} ${transport}: without blockingAccept it retries EAGAIN (NONBLOCK listener), and a stop still ends it at once`, async () => {
      const running = runStoppable(wasm, { runtime, transport });
      await running.address;
      // The module starts after the listeners are bound: its first line says how accept answered.
      await until(() => running.stderr().includes('\n'), 5000, 'its first accept error');
      assert.match(running.stderr(), /^error: Resource temporarily unavailable\n/, 'accept answered EAGAIN: the listener is NONBLOCK');
      const { outcome, took } = await stopAndWait(running);
      assert.instance(outcome, ModuleStoppedError);
      assert.match((outcome as ModuleStoppedError).reason, /ignored \d+ requests to stop/);
      assert.ok(took < STOP_GRACE_MS, `ended after ${took.toFixed(0)} ms`);
      const canceled = running.stderr().split('\n').filter((l) => /Operation canceled/.test(l));
      assert.ok(canceled.length <= MAX_STOP_NOTICES, `${canceled.length} ECANCELED lines`);
    });
  }
}

test.run();
