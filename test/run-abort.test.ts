// run() with an AbortSignal: aborting makes the listeners hang up and blocking
// calls return (ECANCELED), so a module blocked in read() or accept() ends by
// itself, promptly, with its own exit status.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES, STOP_GRACE_MS, TRANSPORTS } from '../ts/index.js';
import { connect, roundTrip, withTimeout } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { runStoppable } from './helpers/run-listening.js';

const wasm = fixtureWasm('blocking_echo');

for (const transport of TRANSPORTS) {
for (const runtime of RUNTIMES) {
  test(`${runtime} ${transport}: abort ends a module blocked in read(), then in accept()`, async () => {
    const { exit, address, stop, stderr } = runStoppable(wasm, { runtime, transport });
    const idle: net.Socket = await connect((await address).port);
    idle.on('error', () => {});
    // Echoed: the module has accepted it and is now blocked reading it again.
    await roundTrip(idle, Buffer.from('x'));
    const started = Date.now();
    stop();
    assert.is(await withTimeout('the module to end', STOP_GRACE_MS, exit), 0);
    assert.ok(Date.now() - started < STOP_GRACE_MS / 2, 'ended promptly');
    assert.match(stderr(), /connection: Operation canceled\naccept: Operation canceled\n/, stderr());
    idle.destroy();
  });
}

}
test.run();
