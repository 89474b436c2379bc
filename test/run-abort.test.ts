// run() stopped (its AbortSignal; the CLI's SIGTERM, its module on the
// starting thread), on a module with blocking calls (blocking_echo,
// blockingAccept): the listeners hang up while a connection keeps working
// through the grace. A module blocked in read() goes on serving its peer;
// once the peer closes it goes back to accept(), which fails (ECANCELED), and
// it exits by itself with its own status. One whose peer never moves is
// ended when the grace (stopGraceMs, default 2000 ms) ends — even asleep in
// the kernel's epoll_wait — and run() rejects with ModuleStoppedError.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModuleStoppedError, STOP_GRACE_MS } from '../ts/index.js';
import { connect, readToEnd, roundTrip, sleep, withTimeout } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { moduleRunners, type ModuleRunner } from './helpers/module-runners.js';

const wasm = fixtureWasm('blocking_echo');
/** A short grace, for the module that never ends by itself. */
const GRACE_MS = 600;

/** The module asleep in read() on a peer that never sends again, then stopped: how it ended (the error), and whether it has. */
async function asleepInRead(runner: ModuleRunner, stopGraceMs?: number) {
  const running = runner.start(wasm, { listen: true, blockingAccept: true, stopGraceMs });
  const peer: net.Socket = await connect((await running.address).port);
  peer.on('error', () => {});
  await roundTrip(peer, Buffer.from('x'));
  let ended = false;
  const outcome = running.exit.then(() => null, (e: unknown) => e).finally(() => {
    ended = true;
    peer.destroy();
  });
  running.stop();
  return { outcome, ended: () => ended };
}

const runners = moduleRunners();

for (const runner of runners) {
  test(`${runner.name}: a stop while blocked in read(): the connection is still served, then accept() fails and it exits by itself`, async () => {
    const running = runner.start(wasm, { listen: true, blockingAccept: true });
    const peer: net.Socket = await connect((await running.address).port);
    peer.on('error', () => {});
    // Echoed: the module has accepted it and is now blocked reading it again.
    await roundTrip(peer, Buffer.from('x'));
    running.stop();
    assert.is((await roundTrip(peer, Buffer.from('during the grace'))).toString(), 'during the grace');
    const rest = readToEnd(peer);
    peer.end();
    await rest;
    assert.is(await withTimeout('the module to end by itself', STOP_GRACE_MS, running.exit), 0);
    assert.match(running.stderr(), /^accept: Operation canceled\n$/, running.stderr());
  });

  test(`${runner.name}: a module asleep in read() whose peer never moves is ended when the grace ends, not before`, async () => {
    const asleep = await asleepInRead(runner, GRACE_MS);
    await sleep(GRACE_MS / 2);
    assert.not.ok(asleep.ended(), 'ended before its grace was over');
    const error = await withTimeout('the grace to end it', GRACE_MS + 5000, asleep.outcome);
    assert.instance(error, ModuleStoppedError);
    assert.match((error as ModuleStoppedError).reason, /grace period/);
  });
}

// Only a grace longer than the default shows that stopGraceMs is the one in
// effect with lower bounds alone (a timer never fires early): one shorter
// than the default ends the module before the default would, which no bound
// can tell from "ended at the default" without an upper one.
test('stopGraceMs longer than the default holds the module past STOP_GRACE_MS, then ends it', async () => {
  const asleep = await asleepInRead(runners[0]!, 2 * STOP_GRACE_MS);
  await sleep(STOP_GRACE_MS + 1200);
  assert.not.ok(asleep.ended(), `ended before ${STOP_GRACE_MS + 1200} ms of its ${2 * STOP_GRACE_MS} ms grace: stopGraceMs was not used`);
  const error = await withTimeout('the grace to end it', 5000, asleep.outcome);
  assert.instance(error, ModuleStoppedError);
  assert.match((error as ModuleStoppedError).reason, /grace period/);
});

test('without stopGraceMs the grace is STOP_GRACE_MS, 2000 ms', async () => {
  assert.is(STOP_GRACE_MS, 2000);
  const asleep = await asleepInRead(runners[0]!);
  await sleep(1500);
  assert.not.ok(asleep.ended(), 'ended before 1500 ms of its 2000 ms grace');
  assert.instance(await withTimeout('the grace to end it', 5000, asleep.outcome), ModuleStoppedError);
});

test.run();
