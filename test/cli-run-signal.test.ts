// `wasi-evloop run` sent SIGTERM or SIGINT: a module that ends by itself gives
// its own exit status; one the host had to end exits 128 + the signal's
// number (143, 130), as a shell reports a process the signal killed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCli } from './helpers/cli.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { connect, roundTrip } from './helpers/echo-client.js';

const retrying = fixtureWasm('retry_accept');
const blocking = fixtureWasm('blocking_echo');

for (const [signal, status] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`run of a module that never stops, ${signal} → exit ${status}, promptly`, async () => {
    const cli = startCli(['run', retrying, '--tcplisten', '127.0.0.1:0']);
    await cli.waitFor('stderr', /listening on 127\.0\.0\.1:\d+\n/);
    const sent = performance.now();
    cli.child.kill(signal);
    const result = await cli.exited(5000);
    assert.is(result.code, status);
    assert.ok(performance.now() - sent < 2000, 'exited promptly');
  });
}

test('run of a module that stops by itself on SIGTERM → its own exit status', async () => {
  const cli = startCli(['run', blocking, '--tcplisten', '127.0.0.1:0', '--env', 'EXIT_CODE=7']);
  const [, port] = await cli.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+)\n/);
  const idle = await connect(Number(port));
  await roundTrip(idle, Buffer.from('x'));
  cli.child.kill('SIGTERM');
  const result = await cli.exited(5000);
  idle.destroy();
  assert.is(result.code, 7, result.stderr);
});

test.run();
