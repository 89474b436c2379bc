// In each browser: modules on one page's network reach each other. The echo core
// (serve()) and a module that opens its own socket (c/test/dial.c, WASIX
// sock_connect) share a network made with createNetwork(): the client dials
// the server's address from its own worker, under allowConnect; without it,
// the dial is EACCES, counted in onStats, and nothing reaches the server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserTest, openPage } from './helpers/browser.js';
import { fixtureWasm } from './helpers/fixtures.js';

type Api = typeof import('../ts/browser/index.js');

browserTest('a module dials the echo core on the same page network: allowed, and denied', async (browser) => {
  fixtureWasm('dial', { wasixSockets: true }); // before opened.fixture(), which builds without the WASIX header
  const opened = await openPage(browser, '/');
  try {
    const r = await opened.page.evaluate(
      async ({ url, module }) => {
        const api = (await import(url)) as Api;
        const network = api.createNetwork();
        const server = await api.serve({ backend: 'epoll', network, stderr: () => {} });
        const { host, port } = server.address;
        let allowedOut = '';
        const allowed = await api.run(module, {
          network,
          args: ['dial', host, String(port), '2'],
          allowConnect: [`${host}:${port}`],
          stdout: (text) => (allowedOut += text),
          stderr: () => {},
        });
        let deniedOut = '';
        let denied = -1;
        let log = '';
        const deniedCode = await api.run(module, {
          network,
          args: ['dial', host, String(port)],
          verbose: true,
          stdout: (text) => (deniedOut += text),
          stderr: (text) => (log += text),
          onStats: (stats) => (denied = stats.denied),
        });
        const accepted = server.stats().accepted;
        await server.close();
        await network.close();
        return { allowed, allowedOut, deniedCode, deniedOut, denied, log, accepted };
      },
      { url: opened.api, module: opened.fixture('dial') },
    );
    assert.equal([r.allowed, r.allowedOut], [0, 'connected\necho: ping\nconnected\necho: ping\n']);
    assert.equal([r.deniedCode, r.deniedOut, r.denied], [3, 'connect: EACCES\n', 1]);
    assert.match(r.log, /wasi-evloop: denied: connect to 127\.0\.0\.1:\d+ \(outside the network policy\)/);
    assert.is(r.accepted, 2, 'only the allowed dials reached the server');
    assert.equal(await opened.page.errors(), []);
  } finally {
    await opened.close();
  }
});

test.run();
