// In Chromium: the lesson page's automated scenario (?auto=1) runs by itself
// and marks every backend's panel ok, with its rates at 0, 1,000 and 5,000
// idle connections; select shows its refusals. A screenshot goes to build/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openPage, screenshotPath } from './helpers/browser.js';
import { CHROMIUM, requirePrerequisite } from './helpers/prerequisites.js';

const it = requirePrerequisite(test, CHROMIUM);

it('?auto=1 finishes with every backend ok, rates for each level, select refusing', async () => {
  const opened = await openPage('/?auto=1');
  try {
    const { page, errors } = opened;
    await page.waitForSelector('body[data-done="1"]', { state: 'attached', timeout: 90_000 });
    const panels = await page.evaluate(() =>
      Object.fromEntries(Array.from(document.querySelectorAll<HTMLElement>('[data-backend]'), (p) => [p.dataset.backend!, { ...p.dataset }])),
    );
    for (const backend of ['select', 'poll', 'epoll']) {
      const p = panels[backend]!;
      assert.is(p.status, 'ok', `${backend}: every echo verified`);
      for (const level of ['rps0', 'rps1000', 'rps5000'] as const) {
        assert.ok(Number(p[level]) > 0, `${backend}: a rate at ${level} (${p[level]})`);
      }
    }
    assert.ok(Number(panels.select!.refused) > 0, `select refused ${panels.select!.refused} at 5,000 idle`);
    assert.is(panels.epoll!.refused, '0');
    assert.is(panels.poll!.refused, '0');
    await page.screenshot({ path: screenshotPath('browser-demo.png') });
    assert.equal(errors, []);
  } finally {
    await opened.close();
  }
});

test.run();
