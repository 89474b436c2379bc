// In each browser: the lesson page's automated scenario (?auto=1) runs by itself
// and marks every backend's panel ok, with its rates at 0, 1,000 and 5,000
// idle connections; select shows its refusals. A screenshot goes to build/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserTest, openPage, screenshotPath } from './helpers/browser.js';

browserTest('?auto=1 finishes with every backend ok, rates for each level, select refusing', async (browser) => {
  const opened = await openPage(browser, '/?auto=1');
  try {
    const { page } = opened;
    await page.waitFor('body[data-done="1"]', 90_000);
    // Read as the README names them: the attributes themselves, not dataset keys.
    const panels = await page.evaluate(() =>
      Object.fromEntries(
        Array.from(document.querySelectorAll<HTMLElement>('[data-backend]'), (p) => [
          p.getAttribute('data-backend')!,
          Object.fromEntries(Array.from(p.attributes, (a) => [a.name, a.value])),
        ]),
      ),
    );
    for (const backend of ['select', 'poll', 'epoll']) {
      const p = panels[backend]!;
      assert.is(p['data-status'], 'ok', `${backend}: every echo verified`);
      for (const level of ['data-rps-0', 'data-rps-1000', 'data-rps-5000']) {
        assert.ok(Number(p[level]) > 0, `${backend}: a rate at ${level} (${p[level]})`);
      }
    }
    assert.ok(Number(panels.select!['data-refused']) > 0, `select refused ${panels.select!['data-refused']} at 5,000 idle`);
    assert.is(panels.epoll!['data-refused'], '0');
    assert.is(panels.poll!['data-refused'], '0');
    // The figures of README's "In the browser", one line per browser.
    const rates = (b: string) => ['0', '1000', '5000'].map((level) => panels[b]![`data-rps-${level}`]).join(' / ');
    console.log(`${browser.title}: req/s at 0 / 1,000 / 5,000 idle: select ${rates('select')} (${panels.select!['data-refused']} refused), poll ${rates('poll')}, epoll ${rates('epoll')}`);
    await page.screenshot(screenshotPath(`browser-demo-${browser.name}.png`));
    assert.equal(await page.errors(), []);
  } finally {
    await opened.close();
  }
});

test.run();
