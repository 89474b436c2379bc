// The README's client command, as written but for the port (the server here
// listens on port 0): `wasi-evloop run wasm/echo-client.wasm --allow-connect
// 127.0.0.1:7007 -- --port 7007 --conns 50 --size 64` against the wasm echo
// server checks every echoed byte and reports its JSON line. And a client
// whose connects are refused learns it from getsockopt(SO_ERROR) through
// c/include/wasix/sockets.h (node-net always answers EINPROGRESS first, so
// the outcome can only come that way) and says so, on every transport.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serve, TRANSPORTS } from '../ts/index.js';
import { runCli } from './helpers/cli.js';
import { REPO } from './helpers/servers.js';

const README_COMMAND = 'wasi-evloop run wasm/echo-client.wasm --allow-connect 127.0.0.1:7007 -- --port 7007 --conns 50 --size 64';

/** The README's command for a server on `port`, as the CLI's arguments. */
function readmeArgs(port: number): string[] {
  return README_COMMAND.replaceAll('7007', String(port)).split(' ').slice(1).map((a) => (a.startsWith('wasm/') ? `${REPO}${a}` : a));
}

/** A port nobody listens on (taken, then let go). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test(`the README's ${README_COMMAND} (another port): every echo checked, one JSON line`, async () => {
  const server = await serve({ backend: 'epoll', port: 0, stdout: () => {}, stderr: () => {} });
  try {
    // The client's defaults: 1 s of warm-up, then a 4 s window.
    const r = await runCli(readmeArgs(server.address.port), 30_000);
    assert.is(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    assert.equal([report.ok, report.mode, report.conns, report.size, report.active_alive], [true, 'rr', 50, 64, 50], r.stdout);
    assert.ok((report.requests as number) > 0 && (report.req_per_s as number) > 0, r.stdout);
    assert.equal(report.active_failures, { connect: 0, eof: 0, reset: 0, io: 0, mismatch: 0 }, 'no failure, no echoed byte that differed');
    assert.ok(server.stats().accepted >= 50, 'the connections reached the wasm server');
  } finally {
    await server.close();
  }
});

for (const transport of TRANSPORTS) {
  test(`${transport}: refused connects come back through getsockopt(SO_ERROR): the client says so and exits 1`, async () => {
    const port = await closedPort();
    const r = await runCli(
      ['run', `${REPO}wasm/echo-client.wasm`, '--transport', transport, '--allow-connect', `127.0.0.1:${port}`, '--', '--port', String(port), '--conns', '2', '--warmup', '0', '--duration', '1', '--connect-budget', '2'],
      20_000,
    );
    assert.is(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, 'echo_client: connect: Connection refused');
    assert.is((JSON.parse(r.stdout.trim()) as { ok: boolean }).ok, false);
  });
}

test.run();
