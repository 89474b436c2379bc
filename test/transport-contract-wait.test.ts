// Transport contract, wait(): it returns when a handle's readiness changes
// (reporting the handle through onChange), when its timeout passes (not
// before, and not long after), and promptly when the owner wakes it after a
// stop request — after which it sleeps again as before (a stopping module may
// sleep through its grace; a wake-up that stays set would make it spin);
// wait(0) never sleeps. Run over every kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { READABLE } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import { bits, connectAccepted } from './helpers/transport-contract/steps.js';

/** How long after its timeout, or after a wake, a wait may return on a loaded machine. */
const LATE_MS = 1000;
/** A wait may end this much before its timeout (clocks round differently), no more. */
const CLOCK_SLACK_MS = 1;

contract('wait() returns when a connection arrives or bytes come, and onChange reports the handle', async (rig) => {
  const m = rig.module;
  const l = m.listener;
  const { peer, conn } = await connectAccepted(rig);
  // News of the accepted connection may still be due: take it now, so that only the change below can end the waits.
  await m.wait(0);

  rig.later(100, () => rig.connect());
  const arrived = await m.wait(10_000);
  assert.ok(arrived.changed.includes(l), `wait() returned after ${Math.round(arrived.elapsedMs)} ms reporting [${arrived.changed}], not the listener ${l}`);
  assert.is(bits(await m.poll(l)), bits(READABLE), 'readiness of the listener after the wait');

  await m.wait(0);
  rig.later(100, () => peer.write('x'));
  // No time limit: only the change can end this wait.
  const news = await m.wait(-1);
  assert.ok(news.changed.includes(conn), `wait(-1) returned after ${Math.round(news.elapsedMs)} ms reporting [${news.changed}], not the connection ${conn}`);
  const readiness = await m.poll(conn);
  assert.ok(readiness & READABLE, `readiness of the connection after the wait: ${bits(readiness)}`);
});

contract('wait() returns once its timeout passed, not before; wait(0) never sleeps', async (rig) => {
  const m = rig.module;
  const { peer } = await connectAccepted(rig);
  await m.wait(0);
  for (const timeout of [50, 250]) {
    const { elapsedMs } = await m.wait(timeout);
    assert.ok(elapsedMs >= timeout - CLOCK_SLACK_MS, `wait(${timeout}) with nothing happening returned after ${elapsedMs.toFixed(1)} ms`);
    assert.ok(elapsedMs <= timeout + LATE_MS, `wait(${timeout}) returned after ${elapsedMs.toFixed(1)} ms`);
  }

  // Something due later does not make wait(0) wait for it.
  rig.later(500, () => peer.write('x'));
  const times: number[] = [];
  for (let i = 0; i < 21; i++) times.push((await m.wait(0)).elapsedMs);
  times.sort((a, b) => a - b);
  assert.ok(times[10]! < 1, `wait(0) took ${times[10]!.toFixed(2)} ms (median of 21)`);
  assert.ok(times[20]! < LATE_MS, `wait(0) took ${times[20]!.toFixed(2)} ms (longest of 21)`);
});

contract("wait() returns promptly when the owner wakes it after a stop request", async (rig) => {
  const m = rig.module;
  let wokeAt = -1;
  rig.later(100, () => {
    wokeAt = rig.now();
    rig.requestStop();
  });
  const { elapsedMs } = await m.wait(30_000);
  const lag = rig.now() - wokeAt;
  assert.ok(wokeAt >= 0, `wait(30000) returned after ${elapsedMs.toFixed(1)} ms, before the owner woke it`);
  assert.ok(lag < LATE_MS, `wait() returned ${lag.toFixed(1)} ms after the owner's wake()`);
  assert.ok(rig.control.stopRequested, 'the stop request, as the module half sees it');
});

contract('after the stop request and its wake, wait() sleeps again until its timeout', async (rig) => {
  const m = rig.module;
  await m.wait(0);
  rig.requestStop();
  await m.wait(10_000);
  for (const timeout of [50, 250]) {
    const { elapsedMs } = await m.wait(timeout);
    assert.ok(elapsedMs >= timeout - CLOCK_SLACK_MS, `wait(${timeout}) during a stop returned after ${elapsedMs.toFixed(1)} ms: the wake-up did not go`);
    assert.ok(elapsedMs <= timeout + LATE_MS, `wait(${timeout}) returned after ${elapsedMs.toFixed(1)} ms`);
  }
});

test.run();
