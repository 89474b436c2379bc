// run() stopped (its AbortSignal; the CLI's SIGTERM): the listeners hang up
// and blocking calls return (ECANCELED), so a module blocked in read() or
// accept() ends by itself, promptly, with its own exit status.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { STOP_GRACE_MS } from '../ts/index.js';
import { connect, roundTrip, withTimeout } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { moduleRunners } from './helpers/module-runners.js';

const wasm = fixtureWasm('blocking_echo');

for (const runner of moduleRunners()) {
  test(`${runner.name}: a stop ends a module blocked in read(), then in accept()`, async () => {
    const running = runner.start(wasm, { listen: true });
    const idle: net.Socket = await connect((await running.address).port);
    idle.on('error', () => {});
    // Echoed: the module has accepted it and is now blocked reading it again.
    await roundTrip(idle, Buffer.from('x'));
    const started = Date.now();
    running.stop();
    assert.is(await withTimeout('the module to end', STOP_GRACE_MS, running.exit), 0);
    assert.ok(Date.now() - started < STOP_GRACE_MS / 2, 'ended promptly');
    assert.match(running.stderr(), /connection: Operation canceled\naccept: Operation canceled\n/, running.stderr());
    idle.destroy();
  });
}

test.run();
