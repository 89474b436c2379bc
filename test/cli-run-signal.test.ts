// `wasi-evloop run` sent SIGTERM or SIGINT, wherever the module runs (its own
// starting thread, where signals come through the addon, or a worker): a
// module that ends by itself gives its own exit status; one the host had to
// end exits 128 + the signal's number (143, 130), as a shell reports a
// process the signal killed, after one line saying why — a module that
// ignores the stop at once, and one busy in wasm that never calls the host,
// at the end of the grace period. A second signal ends the process at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { STOP_GRACE_MS } from '../ts/index.js';
import { CLI_PLACEMENTS, startCli } from './helpers/cli.js';
import { fixtureWasm, SPIN_WAT, watFixture } from './helpers/fixtures.js';
import { connect, roundTrip } from './helpers/echo-client.js';

const retrying = fixtureWasm('retry_accept');
const blocking = fixtureWasm('blocking_echo');
const spinning = await watFixture('spin', SPIN_WAT);
const LISTENING = /listening on 127\.0\.0\.1:(\d+)\n/;

for (const placement of CLI_PLACEMENTS) {
  for (const [signal, status] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    test(`${placement.name}: run of a module that never stops, ${signal} → exit ${status}, promptly, one line`, async () => {
      const cli = startCli(['run', retrying, '--tcplisten', '127.0.0.1:0', ...placement.args]);
      await cli.waitFor('stderr', LISTENING);
      const sent = performance.now();
      cli.child.kill(signal);
      const result = await cli.exited(5000);
      assert.is(result.code, status, result.stderr);
      assert.ok(performance.now() - sent < STOP_GRACE_MS, 'ended at a call, before the grace period');
      assert.match(result.stderr, /\nwasi-evloop: retry_accept\.wasm did not end when asked to stop; the module was ended by the host: it ignored \d+ requests to stop\n$/);
    });
  }

  test(`${placement.name}: run of a module busy in wasm, SIGTERM → after the grace period, one line, exit 143`, async () => {
    const cli = startCli(['run', spinning, '--tcplisten', '127.0.0.1:0', ...placement.args]);
    await cli.waitFor('stderr', LISTENING);
    const sent = performance.now();
    cli.child.kill('SIGTERM');
    const result = await cli.exited(STOP_GRACE_MS + 5000);
    const took = performance.now() - sent;
    assert.is(result.code, 143, result.stderr);
    assert.ok(took >= STOP_GRACE_MS, `ended after ${took.toFixed(0)} ms, not before the grace period`);
    assert.match(result.stderr, /^listening on [^\n]+\nwasi-evloop: spin\.wasm did not end when asked to stop; it did not end within the grace period\n$/);
  });

  test(`${placement.name}: a second SIGINT ends the process at once`, async () => {
    const cli = startCli(['run', spinning, '--tcplisten', '127.0.0.1:0', ...placement.args]);
    await cli.waitFor('stderr', LISTENING);
    const sent = performance.now();
    cli.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 200));
    cli.child.kill('SIGINT');
    const result = await cli.exited(STOP_GRACE_MS + 5000);
    assert.is(result.signal, 'SIGINT', `ended by the signal (code ${result.code}): ${result.stderr}`);
    assert.ok(performance.now() - sent < STOP_GRACE_MS, 'before the grace period');
  });

  test(`${placement.name}: run of a module that stops by itself on SIGTERM → its own exit status`, async () => {
    const cli = startCli(['run', blocking, '--tcplisten', '127.0.0.1:0', '--env', 'EXIT_CODE=7', ...placement.args]);
    const [, port] = await cli.waitFor('stderr', LISTENING);
    const idle = await connect(Number(port));
    await roundTrip(idle, Buffer.from('x'));
    cli.child.kill('SIGTERM');
    const result = await cli.exited(5000);
    idle.destroy();
    assert.is(result.code, 7, result.stderr);
  });
}

test.run();
