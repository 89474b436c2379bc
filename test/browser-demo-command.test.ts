// `wasi-evloop demo`: prints the one ready line with the page's URL, serves
// the page cross-origin isolated, and exits 0 on SIGTERM; a port in use is
// one line on stderr and status 1. (No browser needed.)
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCli } from './helpers/cli.js';

test('demo --port 0: ready line, the page with COOP/COEP, SIGTERM → exit 0', async () => {
  const cli = startCli(['demo', '--host', '127.0.0.1', '--port', '0']);
  try {
    const [line, url] = await cli.waitFor('stdout', /^demo on (http:\/\/127\.0\.0\.1:\d+\/)\n/);
    const page = await fetch(url!);
    assert.is(page.status, 200);
    assert.match(await page.text(), /data-backend="epoll"/);
    assert.is(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.is(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
    cli.child.kill('SIGTERM');
    const result = await cli.exited(5000);
    assert.is(result.code, 0);
    assert.is(result.stdout, line);
  } finally {
    cli.child.kill('SIGKILL');
  }
});

test('demo on a port in use: one line naming the address, exit 1', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  const cli = startCli(['demo', '--port', String(port)]);
  try {
    const result = await cli.exited(5000);
    assert.is(result.code, 1);
    assert.is(result.stderr, `wasi-evloop: address 127.0.0.1:${port} is already in use\n`);
  } finally {
    cli.child.kill('SIGKILL');
    blocker.close();
  }
});

test.run();
