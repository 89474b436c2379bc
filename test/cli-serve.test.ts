// `wasi-evloop serve`, wherever the core runs (its own starting thread, or a
// worker): prints the one ready line, echoes, and exits 0 on SIGTERM or
// SIGINT after a graceful close (the core's stats line shows).
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, RUNTIMES } from '../ts/index.js';
import { CLI_PLACEMENTS, startCli } from './helpers/cli.js';
import { echoOnce } from './helpers/echo-client.js';

for (const placement of CLI_PLACEMENTS) {
  const transport = placement.args[placement.args.indexOf('--transport') + 1];
  for (const backend of BACKENDS) {
    for (const runtime of RUNTIMES) {
      const signal = backend === 'poll' ? 'SIGINT' : 'SIGTERM';
      test(`${placement.name}: serve --backend ${backend} --runtime ${runtime} ${placement.args.join(' ')}: ready line, echo, ${signal} → exit 0`, async () => {
        const cli = startCli(['serve', '--backend', backend, '--runtime', runtime, '--port', '0', ...placement.args]);
        try {
          const [line, port] = await cli.waitFor('stdout', /^listening on 127\.0\.0\.1:(\d+) \(.*\)\n/);
          assert.is(line, `listening on 127.0.0.1:${port} (backend ${backend}, runtime ${runtime}, transport ${transport})\n`);
          const data = randomBytes(100_000);
          assert.ok((await echoOnce(Number(port), data)).equals(data), 'echoed exactly');
          cli.child.kill(signal);
          const result = await cli.exited(5000);
          assert.is(result.code, 0);
          assert.is(result.stdout, line, 'one line on stdout');
          assert.match(result.stderr, /stats: accepted=1 refused=0 closed=1 bytes_in=100000 bytes_out=100000/);
        } finally {
          cli.child.kill('SIGKILL');
        }
      });
    }
  }
}

test.run();
