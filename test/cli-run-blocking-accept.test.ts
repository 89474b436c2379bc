// `wasi-evloop run --blocking-accept` of a program with Rust std's blocking
// accept loop (c/test/retry_accept.c: `for stream in listener.incoming()`,
// every error printed and retried), on every runtime × transport: it serves,
// idles at ~0 % CPU asleep in accept, and SIGTERM ends it within the grace
// with at most MAX_STOP_NOTICES lines. Without the option its listener is
// NONBLOCK (as under wasmtime): it retries EAGAIN at once, a line each time,
// and SIGTERM still ends it promptly. The grace is long enough that no test
// waits for it: what ends the module is the stop notices, at a call.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_STOP_NOTICES } from '../ts/host/index.js';
import { RUNTIMES, TRANSPORTS } from '../ts/index.js';
import { startCli } from './helpers/cli.js';
import { echoOnce, sleep } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { procStats } from './helpers/servers.js';

const wasm = fixtureWasm('retry_accept');
/** CPU the whole process may use while the module waits for a connection, as a share of one core. */
const IDLE_CPU_LIMIT = 0.1;
/** A grace longer than any wait of these tests (10 s). */
const NO_GRACE_END_MS = 30_000;

for (const transport of TRANSPORTS) {
  for (const runtime of RUNTIMES) {
    const base = ['run', wasm, '--runtime', runtime, '--transport', transport, '--tcplisten', '127.0.0.1:0', '--stop-grace', String(NO_GRACE_END_MS)];

    test(`run --blocking-accept --runtime ${runtime} --transport ${transport}: serves, idles, SIGTERM ends it at a call with at most ${MAX_STOP_NOTICES} lines`, async () => {
      const cli = startCli([...base, '--blocking-accept']);
      try {
        const [listening, port] = await cli.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+)\n/);
        assert.is((await echoOnce(Number(port), Buffer.from('served'))).toString(), 'served');
        const before = procStats(cli.child.pid!).cpuMs;
        const from = performance.now();
        await sleep(1000);
        const share = (procStats(cli.child.pid!).cpuMs - before) / (performance.now() - from);
        assert.ok(share < IDLE_CPU_LIMIT, `the process used ${(share * 100).toFixed(0)} % of a core while the module waited in accept`);
        cli.child.kill('SIGTERM');
        const result = await cli.exited(10_000);
        assert.is(result.code, 143);
        const lines = result.stderr.slice(listening.length).split('\n').filter(Boolean);
        // The CLI's own last line says why the host ended it; the module's come before.
        assert.match(lines.pop()!, /^wasi-evloop: retry_accept\.wasm did not end when asked to stop; the module was ended by the host: it ignored \d+ requests to stop$/);
        assert.ok(lines.length <= MAX_STOP_NOTICES, `${lines.length} lines: ${lines.slice(0, 3).join(' | ')}`);
        assert.ok(lines.every((l) => l === 'error: Operation canceled'), result.stderr);
      } finally {
        cli.child.kill('SIGKILL');
      }
    });

    test(`run --runtime ${runtime} --transport ${transport} (NONBLOCK listener): it retries EAGAIN, and SIGTERM still ends it promptly`, async () => {
      const cli = startCli(base);
      try {
        await cli.waitFor('stderr', /listening on 127\.0\.0\.1:\d+\nerror: Resource temporarily unavailable\n/);
        cli.child.kill('SIGTERM');
        const result = await cli.exited(10_000);
        assert.is(result.code, 143);
        const canceled = result.stderr.split('\n').filter((l) => l === 'error: Operation canceled');
        assert.ok(canceled.length <= MAX_STOP_NOTICES, `${canceled.length} ECANCELED lines`);
      } finally {
        cli.child.kill('SIGKILL');
      }
    });
  }
}

test.run();
