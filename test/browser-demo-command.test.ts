// `wasi-evloop demo`: prints the one ready line with the page's URL, serves
// the page cross-origin isolated, and exits 0 on SIGTERM; a port in use is
// one line on stderr and status 1; with no flags, the README's
// `npx wasi-evloop demo` is on http://127.0.0.1:7080/. In each browser, the
// page it serves is ready to start and its bundle echoes.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { API_PATH, browserTest } from './helpers/browser.js';
import { spawn } from 'node:child_process';
import { startCli } from './helpers/cli.js';
import { requireFreePort } from './helpers/default-port.js';
import { withTimeout } from './helpers/echo-client.js';
import { REPO } from './helpers/servers.js';

type Api = typeof import('../ts/browser/index.js');

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

browserTest('the page of `demo` is isolated, ready to start, and its bundle echoes', async (browser) => {
  const cli = startCli(['demo', '--host', '127.0.0.1', '--port', '0']);
  try {
    const [, url] = await cli.waitFor('stdout', /^demo on (http:\/\/127\.0\.0\.1:\d+\/)\n/);
    const page = await browser.launch();
    try {
      await page.goto(url!);
      const seen = await page.evaluate(async (bundle) => {
        const api = (await import(bundle)) as Api;
        const server = await api.serve({ backend: 'epoll', stderr: () => {} });
        const socket = await server.connect();
        const writer = socket.writable.getWriter();
        await writer.write(new TextEncoder().encode('ping'));
        await writer.close();
        let echoed = '';
        const reader = socket.readable.getReader();
        for (let read = await reader.read(); !read.done; read = await reader.read()) echoed += new TextDecoder().decode(read.value);
        await server.close();
        return {
          isolated: crossOriginIsolated,
          status: document.querySelector('#status')!.textContent,
          startEnabled: !document.querySelector<HTMLButtonElement>('#start')!.disabled,
          echoed,
        };
      }, new URL(API_PATH, url).href);
      assert.equal(seen, { isolated: true, status: 'Press Start to run the three servers.', startEnabled: true, echoed: 'ping' });
      assert.equal(await page.errors(), []);
    } finally {
      await page.close();
    }
    cli.child.kill('SIGTERM');
    assert.is((await cli.exited(5000)).code, 0);
  } finally {
    cli.child.kill('SIGKILL');
  }
});

test('npx wasi-evloop demo: demo on http://127.0.0.1:7080/ (the default --host and --port)', async () => {
  await requireFreePort(7080);
  const child = spawn('npx', ['wasi-evloop', 'demo'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await withTimeout('the demo line', 30_000, new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => stdout.includes('\n') && resolve());
      void exited.then(() => reject(new Error(`npx wasi-evloop demo exited: ${stdout}`)));
    }));
    assert.is(stdout, 'demo on http://127.0.0.1:7080/\n');
    assert.is((await fetch('http://127.0.0.1:7080/')).status, 200);
  } finally {
    // npx and the demo server are one process group.
    process.kill(-child.pid!, 'SIGTERM');
    await withTimeout('npx wasi-evloop demo to exit', 10_000, exited).catch(() => process.kill(-child.pid!, 'SIGKILL'));
  }
});

test.run();
