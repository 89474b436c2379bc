// The one seam every browser test goes through: a page in Chromium, Firefox or
// WebKit (the stock Debian builds, never a downloaded browser) that can load a
// URL, evaluate a function, wait for a selector, report its errors, take a
// screenshot and close — against the demo server of `wasi-evloop demo`,
// started here on a free port of 127.0.0.1.
//
// The drivers, and why two: puppeteer-core drives Chromium (DevTools protocol)
// and stock Firefox (WebDriver BiDi) with no download (browser-puppeteer.ts).
// WebKitGTK's only automation is WebKitWebDriver, classic WebDriver without
// BiDi, which puppeteer cannot speak: browser-webkit.ts is a small client of
// the seven W3C commands the seam needs (WebdriverIO's `webdriver` package would
// be a dozen more packages for seven HTTP requests). One library for all three
// does not work offline: WebdriverIO and selenium-webdriver speak classic
// WebDriver to all three, but Firefox then needs geckodriver, which Debian
// bookworm does not package; playwright-core needs its own patched Firefox and
// WebKit builds, which cannot be downloaded here.
//
// browserTest() registers a test once per browser. A browser that is absent
// is a prerequisite (prerequisites.ts: CHROMIUM, FIREFOX, WEBKIT): its tests
// are skipped, counted, with one line saying what is missing and how to get
// it; under CI=true (.ci/run installs all three) they fail instead.
// TEST_BROWSERS=chromium,webkit runs only those (while working on one).

import { mkdirSync } from 'node:fs';
import { test } from 'uvu';
import { startDemoServer, type DemoServer } from '../../ts/browser/demo-server.js';
import { launchPuppeteer } from './browser-puppeteer.js';
import { launchWebKit, type WebKitOptions } from './browser-webkit.js';
import { fixtureWasm } from './fixtures.js';
import { CHROMIUM, CHROMIUM_PATH, FIREFOX, FIREFOX_PATH, miniBrowserPath, requirePrerequisite, WEBKIT as WEBKIT_PREREQUISITE, WEBKIT_DRIVER, XVFB, type Prerequisite } from './prerequisites.js';
import { REPO } from './servers.js';

export type BrowserName = 'chromium' | 'firefox' | 'webkit';

/** A function run in the page: sent as its source text (no closure), its argument and result as JSON. */
export type PageFunction<A, R> = (arg: A) => R | Promise<R>;

/** What a browser test may do with a page, whichever browser and driver it is. */
export interface BrowserPage {
  readonly name: BrowserName;
  goto(url: string): Promise<void>;
  evaluate<A, R>(fn: PageFunction<A, R>, arg?: A): Promise<R>;
  /** Resolves once an element matches `selector`; rejects after `timeoutMs`. */
  waitFor(selector: string, timeoutMs: number): Promise<void>;
  /** Console errors and uncaught errors of the page so far. */
  errors(): Promise<string[]>;
  screenshot(path: string): Promise<void>;
  /** Ends the browser and every process started for it. */
  close(): Promise<void>;
}

/** What only the WebKit launcher can vary (the others ignore it): see browser-webkit.ts. */
export type BrowserOptions = Pick<WebKitOptions, 'sharedMemory' | 'locale'>;

export interface Browser {
  readonly name: BrowserName;
  /** Capitalised, for messages. */
  readonly title: string;
  /** Whether it is here, what is missing and how to get it. */
  readonly prerequisite: Prerequisite;
  /** A new browser with one blank page. */
  launch(options?: BrowserOptions): Promise<BrowserPage>;
}

const VIEWPORT = { width: 1200, height: 900 };

export const BROWSERS: readonly Browser[] = [
  { name: 'chromium', title: 'Chromium', prerequisite: CHROMIUM, launch: () => launchPuppeteer('chromium', CHROMIUM_PATH, VIEWPORT) },
  { name: 'firefox', title: 'Firefox', prerequisite: FIREFOX, launch: () => launchPuppeteer('firefox', FIREFOX_PATH, VIEWPORT) },
  {
    name: 'webkit',
    title: 'WebKit',
    prerequisite: WEBKIT_PREREQUISITE,
    launch: (options) => launchWebKit({ driver: WEBKIT_DRIVER, miniBrowser: miniBrowserPath()!, xvfb: XVFB }, { ...options, viewport: VIEWPORT }),
  },
];

export const WEBKIT = BROWSERS.find((b) => b.name === 'webkit')!;

/**
 * Registers `title [browser]` for each browser (TEST_BROWSERS=chromium,webkit:
 * only those, while working on one), through its prerequisite: an absent one
 * is skipped and counted, or under CI=true fails.
 */
export function browserTest(title: string, body: (browser: Browser) => Promise<void>, browsers: readonly Browser[] = BROWSERS): void {
  const only = process.env.TEST_BROWSERS?.split(',');
  for (const browser of browsers.filter((b) => only === undefined || only.includes(b.name))) {
    requirePrerequisite(test, browser.prerequisite)(`${title} [${browser.name}]`, () => body(browser));
  }
}

/** Where the demo server serves the API bundle (`wasi-evloop/browser`). */
export const API_PATH = '/dist/browser/index.js';

export interface OpenPage {
  page: BrowserPage;
  server: DemoServer;
  /** The URL of the API bundle, for `await import(api)` in the page. */
  api: string;
  /** The URL of test fixture `name` (c/test/NAME.c, built first if it is not). */
  fixture(name: string): string;
  close(): Promise<void>;
}

/** The demo server and a page of `browser` on `path` of it. */
export async function openPage(browser: Browser, path = '/', options?: BrowserOptions): Promise<OpenPage> {
  const server = await startDemoServer('127.0.0.1', 0);
  let page: BrowserPage | null = null;
  try {
    page = await browser.launch(options);
    await page.goto(new URL(path, server.url).href);
    const opened = page;
    return {
      page,
      server,
      api: new URL(API_PATH, server.url).href,
      fixture(name) {
        fixtureWasm(name);
        return new URL(`/fixtures/${name}.wasm`, server.url).href;
      },
      async close() {
        await opened.close();
        await server.close();
      },
    };
  } catch (error) {
    await page?.close();
    await server.close();
    throw error;
  }
}

/** Where screenshots go (build/, not committed). */
export function screenshotPath(name: string): string {
  mkdirSync(REPO + 'build', { recursive: true });
  return `${REPO}build/${name}`;
}
