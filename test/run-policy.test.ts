// run(module, { allowConnect, allowListen, verbose, onStats }): the network
// policy through the API. Denied calls are counted in the stats onStats gets;
// a bad rule is a UsageError before anything starts.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, UsageError, type ConnectionStats } from '../ts/index.js';
import { until } from './helpers/clients.js';
import { connect, readExactly } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';

const wasm = fixtureWasm('dial', { wasixSockets: true });

async function echoServer(): Promise<{ port: number; close(): void }> {
  const server = net.createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

test('run(): denied by default, counted in onStats; allowConnect lets it through', async () => {
  const server = await echoServer();
  try {
    let out = '';
    let err = '';
    let stats: ConnectionStats | null = null;
    const code = await run(wasm, {
      args: ['dial', '127.0.0.1', String(server.port), '2'],
      verbose: true,
      stdout: (bytes) => (out += Buffer.from(bytes).toString()),
      stderr: (bytes) => (err += Buffer.from(bytes).toString()),
      onStats: (s) => (stats = s),
    });
    assert.is(code, 3);
    assert.is(out, 'connect: EACCES\nconnect: EACCES\n');
    assert.is(stats!.denied, 2);
    assert.is(stats!.connected, 0);
    assert.is(err, `wasi-evloop: denied: connect to 127.0.0.1:${server.port} (outside the network policy)\n`);

    out = '';
    const allowed = await run(wasm, {
      args: ['dial', '127.0.0.1', String(server.port)],
      allowConnect: [`localhost:${server.port}`],
      stdout: (bytes) => (out += Buffer.from(bytes).toString()),
      onStats: (s) => (stats = s),
    });
    assert.equal([allowed, out], [0, 'connected\necho: ping\n']);
    assert.equal([stats!.connected, stats!.closed, stats!.open, stats!.denied, stats!.bytesOut, stats!.bytesIn], [1, 1, 0, 0, 4, 4]);
  } finally {
    server.close();
  }
});

test('run(): a bad rule is a UsageError naming it', async () => {
  for (const [options, says] of [
    [{ allowConnect: ['10.0.0.1'] }, /allowConnect: expected HOST:PORT or HOST:\*/],
    [{ allowListen: ['[::1]:99999'] }, /allowListen: expected HOST:PORT/],
    [{ allowConnect: 'a' as unknown as string[] }, /allowConnect must be a list/],
  ] as const) {
    try {
      await run(wasm, options);
      assert.unreachable('run() accepted a bad rule');
    } catch (error) {
      assert.instance(error, UsageError);
      assert.match((error as Error).message, says);
    }
  }
});

test('run(): bind is EACCES and counted without allowListen; allowListen HOST:* lets the module listen', async () => {
  let out = '';
  let stats: ConnectionStats | null = null;
  const denied = await run(wasm, {
    args: ['listen', '127.0.0.1', '0'],
    stdout: (bytes) => (out += Buffer.from(bytes).toString()),
    onStats: (s) => (stats = s),
  });
  assert.equal([denied, out, stats!.denied], [3, 'bind: EACCES\n', 1]);

  out = '';
  const exit = run(wasm, {
    args: ['listen', '127.0.0.1', '0'],
    allowListen: ['127.0.0.1:*'],
    stdout: (bytes) => (out += Buffer.from(bytes).toString()),
  });
  exit.catch(() => {});
  await until(() => /^listening on \d+\n/.test(out), 20_000, 'the module to listen');
  const socket = await connect(Number(/^listening on (\d+)/.exec(out)![1]));
  socket.write('over a listener the module opened');
  assert.is((await readExactly(socket, 33)).toString(), 'over a listener the module opened');
  socket.end();
  assert.is(await exit, 0);
});

test.run();
