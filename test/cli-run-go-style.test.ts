// `wasi-evloop run` of a program written the way Go's runtime treats its
// listener (c/test/go_style_server.c), on every runtime × transport: it
// serves by default, and on SIGTERM it answers its request in flight (the
// client gets the whole answer) and exits 0 within the grace. While it drains
// it sleeps in poll_oneoff with a clock: the process idles (a wake-up that
// stayed set after the stop made the kernel transport spin here).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES, TRANSPORTS } from '../ts/index.js';
import { startCli } from './helpers/cli.js';
import { connect, readToEnd, sleep } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { procStats } from './helpers/servers.js';

const wasm = fixtureWasm('go_style_server');
/** How long its handler takes: long enough to measure the drain's CPU inside it. */
const DELAY_MS = 1500;
/** CPU the whole process may use while it drains, as a share of one core (a spin is close to 1). */
const DRAIN_CPU_LIMIT = 0.15;

for (const transport of TRANSPORTS) {
  for (const runtime of RUNTIMES) {
    test(`run --runtime ${runtime} --transport ${transport}: SIGTERM with a request in flight → the whole answer, exit 0, idle while draining`, async () => {
      const cli = startCli(['run', wasm, '--runtime', runtime, '--transport', transport, '--tcplisten', '127.0.0.1:0', '--stop-grace', '5000', '--', String(DELAY_MS)]);
      try {
        const [, port] = await cli.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+)\n/);
        const client = await connect(Number(port));
        client.write('slow\n');
        await cli.waitFor('stderr', /fd \d+: request\n/);
        cli.child.kill('SIGTERM');
        const answer = readToEnd(client, 10_000);
        await cli.waitFor('stderr', /draining 1 requests in flight\n/);
        await sleep(100);
        const before = procStats(cli.child.pid!).cpuMs;
        const from = performance.now();
        await sleep(800);
        const share = (procStats(cli.child.pid!).cpuMs - before) / (performance.now() - from);
        assert.is((await answer).toString(), 'done slow\n');
        const result = await cli.exited(10_000);
        assert.is(result.code, 0, result.stderr);
        assert.match(result.stderr, /drained 1 requests in flight\n$/);
        assert.ok(share < DRAIN_CPU_LIMIT, `the process used ${(share * 100).toFixed(0)} % of a core while the module drained`);
      } finally {
        cli.child.kill('SIGKILL');
      }
    });
  }
}

test.run();
