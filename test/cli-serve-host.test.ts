// `wasi-evloop serve --host H`: the server listens on H, not on the default
// 127.0.0.1 — an IPv6 address (printed in brackets) and a name that resolves,
// on each transport.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TRANSPORTS } from '../ts/index.js';
import { startCli } from './helpers/cli.js';
import { withTimeout } from './helpers/echo-client.js';

/** One echo from `host`:`port`; rejects if nothing listens there. */
function echoAt(host: string, port: number, data: Buffer): Promise<Buffer> {
  return withTimeout(`echo via ${host}:${port}`, 5000, new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ host, port }, () => s.end(data));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('end', () => resolve(Buffer.concat(chunks)));
    s.once('error', reject);
  }));
}

for (const transport of TRANSPORTS) {
  for (const [host, shown] of [['::1', '[::1]'], ['localhost', null]] as const) {
    test(`serve --host ${host} --transport ${transport}: listens there, and only there`, async () => {
      const cli = startCli(['serve', '--host', host, '--port', '0', '--transport', transport]);
      try {
        const [, address, port] = await cli.waitFor('stdout', /^listening on (\S+):(\d+) /);
        if (shown) assert.is(address, shown);
        else assert.ok(address === '127.0.0.1' || address === '[::1]', `localhost resolved to ${address}`);
        const ip = address!.replace(/^\[(.*)\]$/, '$1');
        const data = randomBytes(1000);
        assert.ok((await echoAt(ip, Number(port), data)).equals(data), `echoed via ${ip}`);
        if (host === '::1') {
          const other = await echoAt('127.0.0.1', Number(port), data).then(() => 'served', (e: NodeJS.ErrnoException) => e.code);
          assert.is(other, 'ECONNREFUSED', 'nothing of it listens on 127.0.0.1');
        }
      } finally {
        cli.child.kill('SIGKILL');
      }
    });
  }
}

test.run();
