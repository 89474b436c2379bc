// In WebKit under LANG=C.UTF-8 (the locale of many containers and CI machines):
// WebKitGTK's navigator.language is then "C" (plain C gives en-US), in
// which the chart library (uPlot) cannot format numbers and throws as it
// loads. The page still starts — Start enabled, the lanes and the scenario
// run — and the chart's place says the chart is missing and why, instead of
// the whole page failing silently.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { browserTest, openPage, WEBKIT } from './helpers/browser.js';

browserTest(
  'under LANG=C.UTF-8 the page starts without its chart and says so',
  async (browser) => {
    const opened = await openPage(browser, '/', { locale: 'C.UTF-8' });
    try {
      const { page } = opened;
      await page.waitFor('#chart:not(:empty)', 30_000);
      const seen = await page.evaluate(() => ({
        language: navigator.language,
        chart: document.querySelector('#chart')!.textContent,
        status: document.querySelector('#status')!.textContent,
        startEnabled: !document.querySelector<HTMLButtonElement>('#start')!.disabled,
      }));
      assert.is(seen.language, 'C');
      assert.match(seen.chart!, /^No live chart in this browser \(.*invalid language tag.*\); the panels below still count\.$/);
      assert.is(seen.status, 'Press Start to run the three servers.');
      assert.ok(seen.startEnabled, 'Start is enabled');
      assert.equal(await page.errors(), []);
    } finally {
      await opened.close();
    }
  },
  [WEBKIT],
);

test.run();
