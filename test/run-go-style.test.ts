// A program written for wasmtime's conventions, the way Go's runtime treats
// its listener (c/test/go_style_server.c): it polls fd 3 only if
// fd_fdstat_get reports NONBLOCK, takes any failing poll_oneoff as fatal, and
// on its listener's hangup drains the requests in flight with clock sleeps.
// By default run() hands the listener over NONBLOCK, so it serves; a stop
// lets it finish its request in flight (the client gets the whole answer)
// and exit 0 — by itself, so within the grace (the host would have ended it). With blockingAccept it refuses to start, as
// Go would block in accept and serve nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES, TRANSPORTS } from '../ts/index.js';
import { until } from './helpers/clients.js';
import { connect, readExactly, readToEnd, withTimeout } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { runStoppable } from './helpers/run-listening.js';

const wasm = fixtureWasm('go_style_server');

for (const transport of TRANSPORTS) {
  for (const runtime of RUNTIMES) {
    test(`${runtime} ${transport}: serves by default; a stop lets it answer its request in flight and exit 0 within the grace`, async () => {
      const running = runStoppable(wasm, { runtime, transport });
      const { port } = await running.address;
      const busy = await connect(port);
      busy.write('first\n');
      assert.is((await readExactly(busy, 11)).toString(), 'done first\n', 'served: the listener was NONBLOCK');
      const idle = await connect(port);
      busy.write('in flight\n');
      await until(() => running.stderr().split('fd ').length - 1 === 2, 5000, 'the second request to be in flight');
      running.stop();
      const [answer, idleRest] = await Promise.all([readToEnd(busy), readToEnd(idle)]);
      assert.is(answer.toString(), 'done in flight\n', 'the whole answer, then the end of the connection');
      assert.is(idleRest.length, 0, 'the idle connection is closed');
      // Its own exit status: a module the grace ran out on is ended (ModuleStoppedError).
      assert.is(await withTimeout('the module to exit', 10_000, running.exit), 0, running.stderr());
      assert.not.match(running.stderr(), /fatal error/);
      assert.match(running.stderr(), /listener: hung up; draining 1 requests in flight\ndrained 1 requests in flight\n$/);
    });

    test(`${runtime} ${transport}: blockingAccept hands it a blocking listener, which a Go program cannot poll`, async () => {
      const running = runStoppable(wasm, { runtime, transport, blockingAccept: true });
      assert.is(await withTimeout('the module to exit', 10_000, running.exit), 1);
      assert.match(running.stderr(), /^fd 3 is not nonblocking: Go would not poll it/);
    });
  }
}

test.run();
