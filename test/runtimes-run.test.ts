// run under every JavaScript runtime (Node 20–26, Deno, Bun), over every WASI
// runtime × transport it can load: a module written with blocking calls only
// (accept, then fd_read/fd_write: Rust std's way, c/test/blocking_echo.c, with
// --blocking-accept as such a program needs)
// serves two clients and exits with its own status and stdout; the C core's
// poll backend (poll() → poll_oneoff) serves until SIGTERM asks it to stop,
// and then ends by itself with status 0. Under Deno with the README's flags only.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { echoOnce } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { cliUnder, forEachJsRuntime, usable } from './helpers/js-runtimes.js';
import { REPO } from './helpers/servers.js';

const PAYLOAD = randomBytes(64 * 1024);
const blocking = fixtureWasm('blocking_echo');
const pollCore = `${REPO}wasm/echo-poll.wasm`;

forEachJsRuntime(test, (rt, it) => {
  const { runtimes, transports } = rt.bin === null ? { runtimes: ['shim'], transports: ['kernel'] } : usable(rt);
  for (const runtime of runtimes) {
    for (const transport of transports) {
      const where = ['--runtime', runtime, '--transport', transport];

      it(`${rt.name} ${runtime} ${transport}: a blocking (Rust-std style) module serves 2 clients, exits with its $EXIT_CODE and stdout`, async () => {
        const cli = cliUnder(rt, ['run', blocking, '--tcplisten', '127.0.0.1:0', '--blocking-accept', '--env', 'EXIT_CODE=7', ...where, '--', '2']);
        try {
          const [, port] = await cli.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+)\n/, 30_000);
          for (let i = 0; i < 2; i++) assert.ok((await echoOnce(Number(port), PAYLOAD)).equals(PAYLOAD), `client ${i + 1}: 64 KiB echoed exactly`);
          const result = await cli.exited(15_000);
          assert.equal([result.code, result.signal], [7, null], result.stderr);
          assert.is(result.stdout, 'served 2\n');
        } finally {
          cli.child.kill('SIGKILL');
        }
      });

      it(`${rt.name} ${runtime} ${transport}: a poll_oneoff module (the poll core) serves, SIGTERM → it ends by itself, exit 0`, async () => {
        const cli = cliUnder(rt, ['run', pollCore, '--tcplisten', '127.0.0.1:0', ...where]);
        try {
          const [, port] = await cli.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+)\n/, 30_000);
          assert.ok((await echoOnce(Number(port), PAYLOAD)).equals(PAYLOAD), '64 KiB echoed exactly');
          cli.child.kill('SIGTERM');
          const result = await cli.exited(15_000);
          assert.equal([result.code, result.signal], [0, null], result.stderr);
          assert.match(result.stderr, /^stats: accepted=1 /m);
        } finally {
          cli.child.kill('SIGKILL');
        }
      });
    }
  }
});

test.run();
