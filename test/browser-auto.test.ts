// In Chromium: the lesson page's automated scenario (?auto=1) runs by itself
// and marks every backend's panel [data-backend] data-status="ok", with its
// rates at 0, 1,000 and 5,000 idle connections (data-rps-0, data-rps-1000,
// data-rps-5000, the README's names) and data-refused; then data-done="1".
// A screenshot goes to build/.
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
    // The attributes by the README's names, as a user's script would read them.
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
      for (const attribute of ['data-rps-0', 'data-rps-1000', 'data-rps-5000']) {
        assert.ok(Number(p[attribute]) > 0, `${backend}: ${attribute}="${p[attribute]}" (attributes: ${Object.keys(p).join(' ')})`);
      }
    }
    assert.ok(Number(panels.select!['data-refused']) > 0, `select data-refused="${panels.select!['data-refused']}" at 5,000 idle`);
    assert.is(panels.epoll!['data-refused'], '0');
    assert.is(panels.poll!['data-refused'], '0');
    await page.screenshot({ path: screenshotPath('browser-demo.png') });
    assert.equal(errors, []);
  } finally {
    await opened.close();
  }
});

test.run();
