// In each browser: the demo page is cross-origin isolated (SharedArrayBuffer
// works), every response of the demo server carries COOP and COEP — worker
// scripts, modules and errors included — .wasm is application/wasm, and the
// page loads without a console error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserTest, openPage } from './helpers/browser.js';

browserTest('the page is cross-origin isolated, with COOP/COEP on every response and no console error', async (browser) => {
  const opened = await openPage(browser, '/');
  try {
    const { page, server } = opened;
    assert.is(await page.evaluate(() => crossOriginIsolated), true);
    assert.is(await page.evaluate(() => typeof SharedArrayBuffer), 'function');
    for (const path of ['/', '/dist/browser/demo.js', '/dist/browser/worker.js', '/wasm/echo-epoll.wasm', '/no/such/file', '/dist/browser/../../package.json']) {
      const response = await fetch(new URL(path, server.url));
      await response.arrayBuffer();
      assert.is(response.headers.get('cross-origin-opener-policy'), 'same-origin', path);
      assert.is(response.headers.get('cross-origin-embedder-policy'), 'require-corp', path);
    }
    const wasm = await fetch(new URL('/wasm/echo-select.wasm', server.url));
    assert.is(wasm.headers.get('content-type'), 'application/wasm');
    assert.is((await fetch(new URL('/web/../package.json', server.url))).status, 404, 'nothing outside the served folders');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await page.errors(), []);
  } finally {
    await opened.close();
  }
});

test.run();
