// Stopping a module that retries every accept error forever (retry_accept,
// written like Rust's `for stream in listener.incoming()`): the host ends it
// at once, with no spin and no log flood, whatever it does with the
// ECANCELED it is given; run() rejects with ModuleStoppedError (the CLI: one
// line, 128 + the signal), in a worker and on the CLI's starting thread. With
// blockingAccept (what such a program needs) it sleeps in accept until then;
// without it, its listener is NONBLOCK and it retries EAGAIN at once, a line
// each time, as under wasmtime — and the stop ends it just as promptly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModuleStoppedError } from '../ts/index.js';
import { until } from './helpers/clients.js';
import { withTimeout } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { moduleRunners, type RunningModule } from './helpers/module-runners.js';

const wasm = fixtureWasm('retry_accept');

// The README's value, not the constant: a module is "told at most
// `MAX_STOP_NOTICES` (8) times".
const README_STOP_NOTICES = 8;

/** A grace longer than any wait of these tests (10 s): what ends the module is a call, and its error says so. */
const NO_GRACE_END_MS = 30_000;

/** Stops the run; resolves with how it ended, stderr before the stop and its lines after. */
async function stopAndWait(running: RunningModule) {
  await running.address;
  const before = running.stderr();
  running.stop();
  const outcome = await withTimeout('the module to end', 10_000, running.exit.then(() => null, (e: unknown) => e));
  return { outcome, before, lines: running.stderr().slice(before.length).split('\n').filter(Boolean) };
}

for (const runner of moduleRunners()) {
  test(`${runner.name}: blockingAccept: a stop ends a retry-forever accept loop at once (not at the grace period), with at most ${README_STOP_NOTICES} error lines`, async () => {
    const running = runner.start(wasm, { listen: true, blockingAccept: true, stopGraceMs: NO_GRACE_END_MS });
    const { outcome, before, lines } = await stopAndWait(running);
    assert.is(before, '', 'it slept in accept: no error before the stop');
    assert.instance(outcome, ModuleStoppedError);
    // Ended by the host at a call, not when the grace period ran out.
    assert.match((outcome as ModuleStoppedError).reason, new RegExp(`ignored ${README_STOP_NOTICES} requests to stop`));
    assert.ok(lines.length <= README_STOP_NOTICES, `${lines.length} lines on stderr: ${lines.slice(0, 3).join(' | ')}`);
    assert.ok(lines.every((l) => /Operation canceled/.test(l)), running.stderr());
  });

  test(`${runner.name}: without blockingAccept it retries EAGAIN (NONBLOCK listener), and a stop still ends it at once`, async () => {
    // blockingAccept left out: false by default.
    const running = runner.start(wasm, { listen: true, stopGraceMs: NO_GRACE_END_MS });
    await running.address;
    // The module starts after the listeners are bound: its first line says how accept answered.
    await until(() => running.stderr().includes('\n'), 5000, 'its first accept error');
    assert.match(running.stderr(), /^error: Resource temporarily unavailable\n/, 'accept answered EAGAIN: the listener is NONBLOCK');
    const { outcome } = await stopAndWait(running);
    assert.instance(outcome, ModuleStoppedError);
    assert.match((outcome as ModuleStoppedError).reason, new RegExp(`ignored ${README_STOP_NOTICES} requests to stop`));
    const canceled = running.stderr().split('\n').filter((l) => /Operation canceled/.test(l));
    assert.ok(canceled.length <= README_STOP_NOTICES, `${canceled.length} ECANCELED lines`);
  });
}

test.run();
