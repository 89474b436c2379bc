// `wasi-evloop run` sent SIGTERM or SIGINT, wherever the module runs (its own
// starting thread, where signals come through the addon, or a worker): a
// module that ends by itself gives its own exit status; one the host had to
// end exits 128 + the signal's number (143, 130), as a shell reports a
// process the signal killed, after one line saying why — at once when it
// ignores the stop (a blocking accept retried forever), or when --stop-grace
// runs out (asleep in read() on a peer that never moves; busy in wasm, never
// calling the host), not before. A repeated signal changes nothing: the stop
// goes on to its end (Ctrl-C under bunx arrives twice).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { STOP_GRACE_MS } from '../ts/index.js';
import { CLI_PLACEMENTS, startCli } from './helpers/cli.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { SPIN_WAT, watFixture } from './helpers/wat.js';
import { connect, readToEnd, roundTrip, sleep } from './helpers/echo-client.js';

const retrying = fixtureWasm('retry_accept');
const blocking = fixtureWasm('blocking_echo');
const spinning = await watFixture('spin', SPIN_WAT);
const LISTENING = /listening on 127\.0\.0\.1:(\d+)\n/;
const GRACE_OVER = 'did not end when asked to stop; the module was ended by the host: it did not end within the grace period';
const LONG_GRACE_MS = 2 * STOP_GRACE_MS;
/** A grace longer than any wait of these tests (10 s). */
const NO_GRACE_END_MS = 30_000;

for (const placement of CLI_PLACEMENTS) {
  for (const [signal, status] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    test(`${placement.name}: run --blocking-accept of a module that never stops, ${signal} → exit ${status}, promptly (at a call, not when the grace ends), one line`, async () => {
      // A grace far past the wait below: only the stop notices can end it in time.
      const cli = startCli(['run', retrying, '--tcplisten', '127.0.0.1:0', '--blocking-accept', '--stop-grace', String(NO_GRACE_END_MS), ...placement.args]);
      await cli.waitFor('stderr', LISTENING);
      cli.child.kill(signal);
      const result = await cli.exited(10_000);
      assert.is(result.code, status, result.stderr);
      assert.match(result.stderr, /\nwasi-evloop: retry_accept\.wasm did not end when asked to stop; the module was ended by the host: it ignored \d+ requests to stop\n$/);
    });
  }

  test(`${placement.name}: run of a module that stops by itself on SIGTERM → its own exit status, once its peer is done`, async () => {
    const cli = startCli(['run', blocking, '--tcplisten', '127.0.0.1:0', '--blocking-accept', '--env', 'EXIT_CODE=7', ...placement.args]);
    const [, port] = await cli.waitFor('stderr', LISTENING);
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

  // A grace longer than the default, so that lower bounds alone (a timer never
  // fires early) show --stop-grace is the one in effect: without it the default
  // STOP_GRACE_MS would have ended the module at 2000 ms.
  test(`${placement.name}: run --stop-grace ${LONG_GRACE_MS}: a module asleep in read() on a silent peer after SIGTERM → still running past the default grace, exit 143 and one line when its own ends`, async () => {
    const cli = startCli(['run', blocking, '--tcplisten', '127.0.0.1:0', '--blocking-accept', '--stop-grace', String(LONG_GRACE_MS), ...placement.args]);
    const [, port] = await cli.waitFor('stderr', LISTENING);
    const peer = await connect(Number(port));
    peer.on('error', () => {});
    await roundTrip(peer, Buffer.from('x'));
    cli.child.kill('SIGTERM');
    await sleep(STOP_GRACE_MS + 1200);
    assert.is(cli.child.exitCode, null, `ended within ${STOP_GRACE_MS + 1200} ms of a ${LONG_GRACE_MS} ms grace: --stop-grace was not used`);
    const result = await cli.exited(5000);
    peer.destroy();
    assert.is(result.code, 143, result.stderr);
    assert.match(result.stderr, new RegExp(`\\nwasi-evloop: blocking_echo\\.wasm ${GRACE_OVER}\\n$`));
  });

  test(`${placement.name}: run --stop-grace 500 of a module busy in wasm, SIGTERM → after the grace, one line, exit 143`, async () => {
    const cli = startCli(['run', spinning, '--tcplisten', '127.0.0.1:0', '--stop-grace', '500', ...placement.args]);
    await cli.waitFor('stderr', LISTENING);
    const sent = performance.now();
    cli.child.kill('SIGTERM');
    const result = await cli.exited(5000);
    const took = performance.now() - sent;
    assert.is(result.code, 143, result.stderr);
    assert.ok(took >= 500, `ended after ${took.toFixed(0)} ms, not before the grace period`);
    assert.match(result.stderr, new RegExp(`^listening on [^\\n]+\\nwasi-evloop: spin\\.wasm ${GRACE_OVER}\\n$`));
  });

  test(`${placement.name}: run --stop-grace 1000 of a module busy in wasm, SIGINT twice → the second changes nothing: after the grace, one line, exit 130`, async () => {
    const cli = startCli(['run', spinning, '--tcplisten', '127.0.0.1:0', '--stop-grace', '1000', ...placement.args]);
    await cli.waitFor('stderr', LISTENING);
    const sent = performance.now();
    cli.child.kill('SIGINT');
    await sleep(200);
    cli.child.kill('SIGINT');
    const result = await cli.exited(5000);
    const took = performance.now() - sent;
    assert.equal([result.code, result.signal], [130, null], result.stderr);
    assert.ok(took >= 1000, `ended after ${took.toFixed(0)} ms, not before the grace period`);
    assert.match(result.stderr, new RegExp(`^listening on [^\\n]+\\nwasi-evloop: spin\\.wasm ${GRACE_OVER}\\n$`));
  });
}

test.run();
