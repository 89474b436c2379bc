// Chromium (over the DevTools protocol) and Firefox (over WebDriver BiDi),
// both the stock Debian builds, driven by puppeteer-core — which never
// downloads a browser. Behind the seam of browser.ts. puppeteer-core 24, not
// 25: 25 needs Node 22.12 (the project supports Node 20).

import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { BrowserPage, PageFunction } from './browser.js';

/** Debian's Chromium has no network here and must not try to reach one. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** How long one protocol call may take: the longest evaluate (select's cap, auto) is well under it. */
const PROTOCOL_MS = 180_000;

export async function launchPuppeteer(name: 'chromium' | 'firefox', executablePath: string, viewport: { width: number; height: number }): Promise<BrowserPage> {
  const browser: Browser = await puppeteer.launch({
    ...(name === 'firefox' ? { browser: 'firefox' as const } : { args: CHROMIUM_ARGS }),
    executablePath,
    headless: true,
    defaultViewport: viewport,
    timeout: 60_000,
    protocolTimeout: PROTOCOL_MS,
  });
  try {
    const page: Page = (await browser.pages())[0] ?? (await browser.newPage());
    // Firefox's first tab does not take defaultViewport.
    await page.setViewport(viewport);
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error instanceof Error ? error.message : String(error)));
    return {
      name,
      async goto(url) {
        await page.goto(url, { timeout: 30_000 });
      },
      evaluate: <A, R>(fn: PageFunction<A, R>, arg?: A) => page.evaluate(fn as (arg: unknown) => Promise<R>, arg) as Promise<R>,
      async waitFor(selector, timeoutMs) {
        await page.waitForSelector(selector, { timeout: timeoutMs });
      },
      errors: async () => [...errors],
      async screenshot(path) {
        await page.screenshot({ path: path as `${string}.png` });
      },
      close: () => browser.close(),
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
