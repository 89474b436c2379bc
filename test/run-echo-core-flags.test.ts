// The echo core makes its listeners NONBLOCK itself (c/platform_wasi.c), so
// it serves and stops the same whether run() hands them over NONBLOCK (the
// default, what serve() does) or blocking (blockingAccept): every backend
// echoes, and a stop ends it by itself with its stats line, exit 0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { echoOnce, withTimeout } from './helpers/echo-client.js';
import { runStoppable } from './helpers/run-listening.js';
import { BACKENDS, REPO } from './helpers/servers.js';

for (const backend of BACKENDS) {
  for (const blockingAccept of [false, true]) {
    test(`echo-${backend}.wasm under run(), blockingAccept ${blockingAccept}: echoes, and a stop ends it with its stats line`, async () => {
      const running = runStoppable(`${REPO}wasm/echo-${backend}.wasm`, { blockingAccept });
      const { port } = await running.address;
      assert.is((await echoOnce(port, Buffer.from('either way'))).toString(), 'either way');
      running.stop();
      // Its own exit status: a core the grace ran out on is ended (ModuleStoppedError).
      assert.is(await withTimeout('the core to end by itself', 10_000, running.exit), 0, running.stderr());
      assert.match(running.stderr(), /listener fd=3 closed by the host; stopping\nstats: accepted=1 refused=0 closed=1 bytes_in=10 bytes_out=10 dropped=0\n$/);
    });
  }
}

test.run();
