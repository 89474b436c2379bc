// `wasi-evloop run MODULE --allow-connect HOST:PORT --allow-listen HOST:PORT`:
// a module that opens its own sockets (c/test/dial.c, WASIX sock_open &
// co) may connect and listen only where the flags say. Outside them its call
// fails with EACCES before anything reaches the network — a server that
// counts its connections sees none — and with --verbose the CLI says so once
// per address, and how many calls were denied. Every runtime × transport.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES, TRANSPORTS } from '../ts/index.js';
import { runCli, startCli } from './helpers/cli.js';
import { connect, readExactly } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';

const wasm = fixtureWasm('dial', { wasixSockets: true });

/** An echo server that counts the connections that reach it. */
async function countingServer(): Promise<{ port: number; accepted: () => number; close: () => void }> {
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, accepted: () => accepted, close: () => server.close() };
}

for (const transport of TRANSPORTS) {
  for (const runtime of RUNTIMES) {
    const common = ['--runtime', runtime, '--transport', transport];

    test(`${runtime} ${transport}: no --allow-connect: EACCES, zero connections reach the server, --verbose says so once per address`, async () => {
      const server = await countingServer();
      try {
        const r = await runCli(['run', wasm, ...common, '--verbose', '--', 'dial', '127.0.0.1', String(server.port), '3'], 20_000);
        assert.is(r.code, 3, r.stderr);
        assert.is(r.stdout, 'connect: EACCES\n'.repeat(3));
        assert.is(server.accepted(), 0, 'connections that reached the server');
        const denials = r.stderr.split('\n').filter((line) => line.includes('denied: connect to'));
        assert.equal(denials, [`wasi-evloop: denied: connect to 127.0.0.1:${server.port} (outside the network policy)`], 'logged once for the address');
        assert.match(r.stderr, 'wasi-evloop: the network policy denied 3 call(s)\n');
      } finally {
        server.close();
      }
    });

    test(`${runtime} ${transport}: --allow-connect 127.0.0.1:PORT connects there and nowhere else; HOST:* any port`, async () => {
      const server = await countingServer();
      const other = await countingServer();
      try {
        const allowed = await runCli(['run', wasm, ...common, '--allow-connect', `127.0.0.1:${server.port}`, '--', 'dial', '127.0.0.1', String(server.port)], 20_000);
        assert.equal([allowed.code, allowed.stdout], [0, 'connected\necho: ping\n'], allowed.stderr);
        const elsewhere = await runCli(['run', wasm, ...common, '--allow-connect', `127.0.0.1:${server.port}`, '--', 'dial', '127.0.0.1', String(other.port)], 20_000);
        assert.equal([elsewhere.code, elsewhere.stdout], [3, 'connect: EACCES\n']);
        assert.is(elsewhere.stderr, '', 'without --verbose nothing is logged');
        const any = await runCli(['run', wasm, ...common, '--allow-connect', '127.0.0.1:*', '--', 'dial', '127.0.0.1', String(other.port)], 20_000);
        assert.equal([any.code, any.stdout], [0, 'connected\necho: ping\n'], any.stderr);
        assert.equal([server.accepted(), other.accepted()], [1, 1]);
      } finally {
        server.close();
        other.close();
      }
    });

    test(`${runtime} ${transport}: --allow-listen HOST:* lets the module listen; without it, bind is EACCES`, async () => {
      const denied = await runCli(['run', wasm, ...common, '--', 'listen', '127.0.0.1', '0'], 20_000);
      assert.equal([denied.code, denied.stdout], [3, 'bind: EACCES\n']);
      const cli = startCli(['run', wasm, ...common, '--allow-listen', '127.0.0.1:*', '--', 'listen', '127.0.0.1', '0']);
      try {
        const [, port] = await cli.waitFor('stdout', /^listening on (\d+)\n/, 20_000);
        const socket = await connect(Number(port));
        socket.write('over a listener the module opened');
        assert.is((await readExactly(socket, 33)).toString(), 'over a listener the module opened');
        socket.end();
        assert.is((await cli.exited(10_000)).code, 0);
      } finally {
        cli.child.kill('SIGKILL');
      }
    });
  }
}

test('a rule that is not HOST:PORT or HOST:* is a usage error (exit 2) naming it', async () => {
  const r = await runCli(['run', wasm, '--allow-connect', 'example.com:80', '--', 'dial', '127.0.0.1', '1']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /"example\.com:80": the host must be an IP address .* or localhost; names are not looked up/);
  const port = await runCli(['run', wasm, '--allow-listen', '127.0.0.1:http', '--', 'listen', '127.0.0.1', '1']);
  assert.is(port.code, 2);
  assert.match(port.stderr, /expected HOST:PORT or HOST:\*/);
});

test.run();
