// `wasi-evloop run MODULE --tcplisten HOST:PORT ... -- ARGS`: one
// "listening on" line per listener on stderr, the module serves on them (here
// a blocking accept: --blocking-accept), and the CLI exits with the module's
// exit status.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES, TRANSPORTS } from '../ts/index.js';
import { startCli } from './helpers/cli.js';
import { echoOnce } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';

const wasm = fixtureWasm('blocking_echo');

for (const transport of TRANSPORTS) {
for (const runtime of RUNTIMES) {
  test(`run --runtime ${runtime} --transport ${transport} --tcplisten 127.0.0.1:0 --blocking-accept --env EXIT_CODE=5 -- 1`, async () => {
    const cli = startCli(['run', wasm, '--runtime', runtime, '--transport', transport, '--tcplisten', '127.0.0.1:0', '--blocking-accept', '--env', 'EXIT_CODE=5', '--', '1']);
    try {
      const [, port] = await cli.waitFor('stderr', /^listening on 127\.0\.0\.1:(\d+)\n/);
      assert.is((await echoOnce(Number(port), Buffer.from('over the blocking socket'))).toString(), 'over the blocking socket');
      const result = await cli.exited(5000);
      assert.is(result.code, 5);
      assert.is(result.stdout, 'served 1\n');
      assert.is(result.stderr, `listening on 127.0.0.1:${port}\n`);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
}

}
test.run();
