// In WebKit as a user gets it: WebKitGTK isolates the page but keeps
// SharedArrayBuffer off, so nothing can run. The page says what is missing
// and what to do, marks every panel failed and is done at once (a script
// waiting for data-done does not wait in vain), and serve() rejects with the
// same reason.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { browserTest, openPage, WEBKIT } from './helpers/browser.js';

type Api = typeof import('../ts/browser/index.js');

const WHY =
  'this browser keeps SharedArrayBuffer off although the page is cross-origin isolated (WebKitGTK does: start the browser with JSC_useSharedArrayBuffer=1 in its environment)';

browserTest(
  'without SharedArrayBuffer, ?auto=1 says why and what to do, every panel failed, done',
  async (browser) => {
    const opened = await openPage(browser, '/?auto=1', { sharedMemory: false });
    try {
      const { page } = opened;
      await page.waitFor('body[data-done="1"]', 30_000);
      const seen = await page.evaluate(async (url) => {
        const api = (await import(url)) as Api;
        return {
          isolated: crossOriginIsolated,
          status: document.querySelector('#status')!.textContent,
          unavailable: document.body.getAttribute('data-unavailable'),
          panels: Array.from(document.querySelectorAll<HTMLElement>('[data-backend]'), (p) => p.dataset.status),
          startDisabled: document.querySelector<HTMLButtonElement>('#start')!.disabled,
          serve: await api.serve().then(
            () => 'served',
            (error: Error) => error.message,
          ),
        };
      }, opened.api);
      assert.is(seen.isolated, true, 'the page is cross-origin isolated: the lack is the browser’s');
      assert.is(seen.status, `This page cannot run the servers: ${WHY}.`);
      assert.is(seen.unavailable, WHY);
      assert.equal(seen.panels, ['failed', 'failed', 'failed']);
      assert.ok(seen.startDisabled, 'Start is disabled');
      assert.is(seen.serve, `wasi-evloop cannot run here: ${WHY}`);
      assert.equal(await page.errors(), []);
    } finally {
      await opened.close();
    }
  },
  [WEBKIT],
);

test.run();
