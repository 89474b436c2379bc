// `wasi-evloop run` with the README's flags, through the CLI itself (the API's
// options have their own tests): `--dir HOST[::GUEST]` preopens a directory
// (after the listeners), several `--tcplisten` each print their own
// `listening on HOST:PORT` line on stderr and become fd 3, 4, …, and a module
// that traps makes the CLI exit with 134 (as a process killed by abort()).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES, TRANSPORTS } from '../ts/index.js';
import { runCli, startCli } from './helpers/cli.js';
import { connect, echoOnce } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { assemble } from './helpers/wat.js';

const cat = fixtureWasm('preopen_cat');
const blocking = fixtureWasm('blocking_echo');

function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-cli-'));
  return body(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

for (const [i, runtime] of RUNTIMES.entries()) {
  const transport = TRANSPORTS[i % TRANSPORTS.length]!;
  test(`run --runtime ${runtime} --transport ${transport} --tcplisten 127.0.0.1:0 --dir HOST::GUEST: the module reads and writes HOST under GUEST`, () =>
    withDir(async (dir) => {
      writeFileSync(join(dir, 'hello.txt'), 'hello from the host\n');
      const result = await runCli(['run', cat, '--runtime', runtime, '--transport', transport, '--tcplisten', '127.0.0.1:0', '--dir', `${dir}::/data`, '--', '/data/hello.txt', '/data/new.txt']);
      assert.is(result.code, 0, result.stderr);
      assert.is(result.stdout, 'hello from the host\n');
      assert.is(readFileSync(join(dir, 'new.txt'), 'utf8'), 'written by the module\n');
    }));

  test(`run --runtime ${runtime} --dir HOST: the directory under its own path`, () =>
    withDir(async (dir) => {
      writeFileSync(join(dir, 'hello.txt'), 'same path\n');
      const result = await runCli(['run', cat, '--runtime', runtime, '--dir', dir, '--', `${dir}/hello.txt`]);
      assert.is(result.code, 0, result.stderr);
      assert.is(result.stdout, 'same path\n');
    }));
}

for (const transport of TRANSPORTS) {
  test(`run --transport ${transport} with three --tcplisten: one "listening on HOST:PORT" line each, in order; fd 3 serves, fd 4 and 5 listen`, async () => {
    // --blocking-accept: the fixture accepts as Rust std does, in a blocking call.
    const cli = startCli(['run', blocking, '--transport', transport, '--blocking-accept', '--tcplisten', '127.0.0.1:0', '--tcplisten', '127.0.0.1:0', '--tcplisten', '[::1]:0', '--', '1']);
    try {
      const [lines] = await cli.waitFor('stderr', /^(listening on .*\n){3}/);
      const ports = Array.from(lines.matchAll(/^listening on (127\.0\.0\.1|\[::1\]):(\d+)$/gm), (m) => [m[1], Number(m[2])] as const);
      assert.equal(ports.map(([host]) => host), ['127.0.0.1', '127.0.0.1', '[::1]'], lines);
      assert.is(new Set(ports.map(([, port]) => port)).size, 3, 'three ports');
      // The kernel (or node:net) takes the handshake on a listener the module has not accepted on.
      (await connect(ports[1]![1])).destroy();
      const data = Buffer.from('to the first listener, fd 3');
      assert.ok((await echoOnce(ports[0]![1], data)).equals(data));
      const result = await cli.exited(5000);
      assert.is(result.code, 0, result.stderr);
      assert.is(result.stderr, lines, 'nothing but the three lines');
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
}

const trapper = await assemble(`(module
  (memory (export "memory") 1)
  (func (export "_start") unreachable))`);

for (const runtime of RUNTIMES) {
  test(`run --runtime ${runtime} of a module that traps: exit 134, one line naming the module and the trap`, () =>
    withDir(async (dir) => {
      writeFileSync(join(dir, 'trapper.wasm'), trapper);
      const result = await runCli(['run', join(dir, 'trapper.wasm'), '--runtime', runtime]);
      assert.is(result.code, 134, result.stderr);
      assert.match(result.stderr, /^wasi-evloop: trapper\.wasm trapped: .*unreachable.*\n$/);
    }));
}

test.run();
