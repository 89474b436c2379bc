// `wasi-evloop run` sent SIGTERM or SIGINT: a module that ends by itself gives
// its own exit status; one the host had to end exits 128 + the signal's
// number (143, 130), as a shell reports a process the signal killed — at once
// when it ignores the stop (a blocking accept retried forever), or when
// --stop-grace runs out (asleep in read() on a peer that never moves).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCli } from './helpers/cli.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { connect, readToEnd, roundTrip, sleep } from './helpers/echo-client.js';

const retrying = fixtureWasm('retry_accept');
const blocking = fixtureWasm('blocking_echo');

for (const [signal, status] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`run --blocking-accept of a module that never stops, ${signal} → exit ${status}, promptly`, async () => {
    const cli = startCli(['run', retrying, '--tcplisten', '127.0.0.1:0', '--blocking-accept']);
    await cli.waitFor('stderr', /listening on 127\.0\.0\.1:\d+\n/);
    const sent = performance.now();
    cli.child.kill(signal);
    const result = await cli.exited(5000);
    assert.is(result.code, status);
    assert.ok(performance.now() - sent < 2000, 'exited promptly');
  });
}

test('run of a module that stops by itself on SIGTERM → its own exit status, once its peer is done', async () => {
  const cli = startCli(['run', blocking, '--tcplisten', '127.0.0.1:0', '--blocking-accept', '--env', 'EXIT_CODE=7']);
  const [, port] = await cli.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+)\n/);
  const peer = await connect(Number(port));
  await roundTrip(peer, Buffer.from('x'));
  cli.child.kill('SIGTERM');
  // The connection is still served in the grace; its end sends the module back to accept, which fails.
  assert.is((await roundTrip(peer, Buffer.from('y'))).toString(), 'y');
  const rest = readToEnd(peer);
  peer.end();
  await rest;
  const result = await cli.exited(5000);
  assert.is(result.code, 7, result.stderr);
});

test('run --stop-grace 500: a module asleep in read() on a silent peer after SIGTERM → exit 143 when the grace ends, not before', async () => {
  const cli = startCli(['run', blocking, '--tcplisten', '127.0.0.1:0', '--blocking-accept', '--stop-grace', '500']);
  const [, port] = await cli.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+)\n/);
  const peer = await connect(Number(port));
  peer.on('error', () => {});
  await roundTrip(peer, Buffer.from('x'));
  cli.child.kill('SIGTERM');
  await sleep(250);
  assert.is(cli.child.exitCode, null, 'still running inside its grace');
  const result = await cli.exited(5000);
  peer.destroy();
  assert.is(result.code, 143, result.stderr);
});

test.run();
