// Real Chromium for the browser tests: Debian's (/usr/bin/chromium, or
// CHROMIUM_PATH), driven by playwright-core — never a downloaded browser —
// against the demo server of `wasi-evloop demo`, started here on a free port
// of 127.0.0.1. Where Chromium is absent, the tests are skipped (or, under
// CI=true, fail) through prerequisites.ts's CHROMIUM.

import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../../ts/browser/demo-server.js';
import { REPO } from './servers.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface OpenPage {
  page: Page;
  server: DemoServer;
  /** Console errors and uncaught page errors, as they happened. */
  errors: string[];
  close(): Promise<void>;
}

/** The demo server and a Chromium page on `path` (not yet loaded if `path` is null). */
export async function openPage(path: string | null = '/'): Promise<OpenPage> {
  const server = await startDemoServer('127.0.0.1', 0);
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, timeout: 30_000 });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(30_000);
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    if (path !== null) await page.goto(new URL(path, server.url).href);
    const opened = browser;
    return {
      page,
      server,
      errors,
      async close() {
        await opened.close();
        await server.close();
      },
    };
  } catch (error) {
    await browser?.close();
    await server.close();
    throw error;
  }
}

/** Where screenshots go (build/, not committed). */
export function screenshotPath(name: string): string {
  mkdirSync(REPO + 'build', { recursive: true });
  return `${REPO}build/${name}`;
}
