// Without stopGraceMs a stopped module has STOP_GRACE_MS (2000 ms, README's
// "2 s") to end by itself: one asleep in read() on a peer that never moves
// is still running well into it, and ended (ModuleStoppedError) once it is over.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModuleStoppedError, STOP_GRACE_MS } from '../ts/index.js';
import { connect, roundTrip, sleep, withTimeout } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { runStoppable } from './helpers/run-listening.js';

test('the default grace is 2000 ms', async () => {
  assert.is(STOP_GRACE_MS, 2000);
  const { exit, address, stop } = runStoppable(fixtureWasm('blocking_echo'), { blockingAccept: true });
  const peer: net.Socket = await connect((await address).port);
  peer.on('error', () => {});
  await roundTrip(peer, Buffer.from('x'));
  let ended = false;
  const outcome = exit.then(() => null, (e: unknown) => e).finally(() => (ended = true));
  stop();
  await sleep(1500);
  assert.not.ok(ended, 'ended before 1500 ms of its 2000 ms grace');
  const error = await withTimeout('the grace to end it', 5000, outcome);
  assert.instance(error, ModuleStoppedError);
  peer.destroy();
});

test.run();
