// The CLI's bad arguments: one line on stderr that says what is wrong and
// where to look, exit status 2; a port in use: one line naming it, status 1;
// a value at a bound of its range is accepted.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from './helpers/cli.js';
import { REPO } from './helpers/servers.js';

const bad: [string[], RegExp][] = [
  [[], /missing command/],
  [['frobnicate'], /unknown command 'frobnicate'/],
  [['serve', '--bogus'], /unknown option '--bogus'/],
  [['serve', '--backend', 'kqueue'], /'kqueue' is invalid\. Allowed choices are select, poll, epoll/],
  [['serve', '--runtime', 'wasmtime'], /'wasmtime' is invalid\. Allowed choices are node, shim/],
  [['serve', '--port', '65536'], /'65536' is invalid\. expected a port from 0 to 65535/],
  [['serve', '--port', '-1'], /'-1' is invalid/],
  [['serve', '--port', '0', '--max-conns', '0'], /--max-conns: expected a whole number from 1 to/],
  [['run'], /missing required argument 'module'/],
  [['run', 'x.wasm', '--tcplisten', '127.0.0.1'], /expected HOST:PORT/],
  [['run', 'x.wasm', '--tcplisten', '127.0.0.1:99999'], /expected HOST:PORT with a port from 0 to 65535/],
  [['run', 'x.wasm', '--env', 'NOEQUALS'], /expected NAME=VALUE/],
  [['run', 'does-not-exist.wasm'], /does-not-exist\.wasm: no such file/],
  [['run', 'x.wasm', '--quiet'], /unknown option '--quiet' \(the module's own options go after '--'/],
  [['serve', '--stop-grace', '-1'], /'-1' is invalid\. expected a whole number of milliseconds from 0 to 2147483647/],
  [['serve', '--stop-grace', '1.5'], /'1\.5' is invalid\. expected a whole number of milliseconds/],
  [['run', 'x.wasm', '--stop-grace', '2147483648'], /'2147483648' is invalid\. expected a whole number of milliseconds from 0 to 2147483647/],
  [['run', 'x.wasm', '--stop-grace', 'soon'], /'soon' is invalid/],
];

for (const [args, reason] of bad) {
  test(`wasi-evloop ${args.join(' ')} → one line, exit 2`, async () => {
    const result = await runCli(args);
    assert.is(result.code, 2);
    assert.is(result.stdout, '');
    const lines = result.stderr.split('\n');
    assert.is(lines.length, 2, `one line: ${JSON.stringify(result.stderr)}`);
    assert.match(lines[0]!, /^wasi-evloop: /);
    assert.match(lines[0]!, reason);
  });
}

test('--stop-grace at its bounds, 0 and 2147483647 (the README\'s range), is accepted', async () => {
  for (const grace of ['0', '2147483647']) {
    const result = await runCli(['run', `${REPO}wasm/exit-now.wasm`, '--stop-grace', grace]);
    assert.is(result.code, 0, `--stop-grace ${grace}: ${result.stderr}`);
  }
});

test('a port in use → one line naming the address, exit 1', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    const result = await runCli(['serve', '--port', String(port)]);
    assert.is(result.code, 1);
    assert.is(result.stderr, `wasi-evloop: address 127.0.0.1:${port} is already in use\n`);
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});

test.run();
