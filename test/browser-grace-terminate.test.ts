// In each browser, the last resort of a stop, as on Node (run-grace-terminate):
// a module that never calls the host again is ended when the grace period —
// README: `stopGraceMs` (default 2000; the CLI's `--stop-grace`, default
// 2000) — is over, by terminating its Web Worker.
// serve() with such a module (it serves, then spins): close() returns after
// the grace and `finished` rejects with ModuleStoppedError; run() of one that
// spins from the start, aborted: ModuleStoppedError after the grace.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserTest, openPage } from './helpers/browser.js';
import { assemble, SERVE_THEN_SPIN_WAT, SPIN_WAT } from './helpers/wat.js';

type Api = typeof import('../ts/browser/index.js');

/** README: `stopGraceMs` = 2000. */
const README_GRACE_MS = 2000;

browserTest('serve({ module }) that serves then spins: close() ends it after the 2 s grace; finished rejects with ModuleStoppedError', async (browser) => {
  const opened = await openPage(browser, '/');
  try {
    const r = await opened.page.evaluate(
      async ({ url, bytes }) => {
        const api = (await import(url)) as Api;
        const server = await api.serve({ module: new Uint8Array(bytes), stderr: () => {} });
        const started = performance.now();
        await server.close();
        const ms = performance.now() - started;
        const error = await server.finished.then(() => null, (e: unknown) => e);
        return { ms, typed: error instanceof api.ModuleStoppedError, reason: (error as { reason?: string } | null)?.reason };
      },
      { url: opened.api, bytes: Array.from(await assemble(SERVE_THEN_SPIN_WAT)) },
    );
    assert.ok(r.typed, `finished rejected with ModuleStoppedError: ${r.reason}`);
    assert.match(r.reason ?? '', /grace period/);
    assert.ok(r.ms >= README_GRACE_MS - 50 && r.ms < 2 * README_GRACE_MS, `close() took ${r.ms.toFixed(0)} ms; the README's grace is 2 s`);
    assert.equal(await opened.page.errors(), []);
  } finally {
    await opened.close();
  }
});

browserTest('run() of a module that spins, aborted: ModuleStoppedError after the 2 s grace', async (browser) => {
  const opened = await openPage(browser, '/');
  try {
    const r = await opened.page.evaluate(
      async ({ url, bytes }) => {
        const api = (await import(url)) as Api;
        const controller = new AbortController();
        const settled = api.run(new Uint8Array(bytes), { listen: ['127.0.0.1:8080'], signal: controller.signal, stdout: () => {}, stderr: () => {} }).then(
          () => null,
          (e: unknown) => e,
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
        const aborted = performance.now();
        controller.abort();
        const error = await settled;
        return { ms: performance.now() - aborted, typed: error instanceof api.ModuleStoppedError, reason: (error as { reason?: string } | null)?.reason };
      },
      { url: opened.api, bytes: Array.from(await assemble(SPIN_WAT)) },
    );
    assert.ok(r.typed, `rejected with ModuleStoppedError: ${r.reason}`);
    assert.match(r.reason ?? '', /grace period/);
    assert.ok(r.ms >= README_GRACE_MS - 50 && r.ms < 2 * README_GRACE_MS, `ended ${r.ms.toFixed(0)} ms after the abort; the README's grace is 2 s`);
    assert.equal(await opened.page.errors(), []);
  } finally {
    await opened.close();
  }
});

test.run();
