// WebKit: Debian's WebKitGTK MiniBrowser under its own Xvfb, driven through
// WebKitWebDriver (webkit2gtk-driver), which speaks only classic WebDriver (no
// BiDi, no DevTools protocol): neither puppeteer-core nor playwright-core can
// drive it, so this is a small client of the handful of W3C WebDriver commands
// the seam of browser.ts needs (new session, navigate, execute, screenshot).
//
// WebKitGTK 2.50 leaves its JavaScript engine's SharedArrayBuffer off even on a
// cross-origin isolated page; JSC_useSharedArrayBuffer=1 in the browser's
// environment turns it on (`sharedMemory: false` leaves it off, as a user
// sees it by default).

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import type { BrowserPage, PageFunction } from './browser.js';

export interface WebKitPaths {
  driver: string;
  miniBrowser: string;
  xvfb: string;
}

export interface WebKitOptions {
  /** JSC_useSharedArrayBuffer=1 for the browser (default true). */
  sharedMemory?: boolean;
  /** The browser's locale (LANG and LC_ALL; LANGUAGE unset); default: this process's. */
  locale?: string;
  viewport: { width: number; height: number };
}

/** How long one WebDriver command (an evaluate included) may take. */
const COMMAND_MS = 180_000;
const START_MS = 15_000;

/** Our process groups still alive, killed if the test process exits first (a failed test, a timeout). */
const groups = new Set<number>();
process.on('exit', () => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function startGroup(command: string, args: string[], env: NodeJS.ProcessEnv, stdio: ('ignore' | 'pipe')[]): ChildProcess {
  const child = spawn(command, args, { env, stdio, detached: true });
  if (child.pid !== undefined) groups.add(child.pid);
  child.once('exit', () => child.pid !== undefined && groups.delete(child.pid));
  return child;
}

/** Ends a process group we started (the driver takes its browser with it): TERM, then KILL. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Xvfb on the first free display; -displayfd has it write the display's number to fd 3. */
async function startXvfb(xvfb: string): Promise<{ child: ChildProcess; display: string }> {
  const child = startGroup(xvfb, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], process.env, ['ignore', 'ignore', 'pipe', 'pipe']);
  const fd3 = child.stdio[3] as NodeJS.ReadableStream;
  try {
    const display = await new Promise<string>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`Xvfb gave no display within ${START_MS} ms`)), START_MS);
      fd3.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) {
          clearTimeout(timer);
          resolve(`:${text.trim()}`);
        }
      });
      child.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before giving a display`)));
    });
    return { child, display };
  } catch (error) {
    await stopGroup(child);
    throw error;
  }
}

/** The TCP port process `pid` listens on, from /proc: the driver takes port 0 but does not say which port it got. */
function listeningPort(pid: number): number | null {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' });
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined) inodes.add(inode);
    }
  } catch {
    return null;
  }
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address is HEX_IP:HEX_PORT; st 0A is LISTEN; the inode is the tenth field.
    if (fields[3] === '0A' && inodes.has(fields[9]!)) return parseInt(fields[1]!.split(':')[1]!, 16);
  }
  return null;
}

async function startDriver(paths: WebKitPaths, display: string, options: WebKitOptions): Promise<{ child: ChildProcess; base: string; log: () => string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DISPLAY: display };
  if (options.sharedMemory ?? true) env.JSC_useSharedArrayBuffer = '1';
  else delete env.JSC_useSharedArrayBuffer;
  if (options.locale !== undefined) {
    env.LANG = env.LC_ALL = options.locale;
    delete env.LANGUAGE;
  }
  const child = startGroup(paths.driver, ['--host=127.0.0.1', '--port=0'], env, ['ignore', 'pipe', 'pipe']);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const deadline = Date.now() + START_MS;
  for (;;) {
    const port = child.pid === undefined ? null : listeningPort(child.pid);
    if (port !== null) return { child, base: `http://127.0.0.1:${port}`, log: () => output };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopGroup(child);
      throw new Error(`WebKitWebDriver did not listen within ${START_MS} ms: ${output.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface WebDriverError {
  error: string;
  message: string;
}

/** One classic WebDriver command; a WebDriver error becomes an Error naming the command. */
async function command(base: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(COMMAND_MS),
  });
  const { value } = (await response.json()) as { value: unknown };
  if (!response.ok) {
    const { error, message } = value as WebDriverError;
    throw new Error(`WebKitWebDriver ${method} ${path.replace(/^\/session\/[^/]+/, '')}: ${error}: ${message}`);
  }
  return value;
}

/**
 * Collects the page's errors from now on (classic WebDriver has no console
 * log): a page that fails while loading says so on itself (auto.ts's
 * data-unavailable, the status line), which the tests read.
 */
const COLLECT_ERRORS = `
  if (!window.__browserTestErrors) {
    const errors = (window.__browserTestErrors = []);
    addEventListener('error', (event) => errors.push(String(event.message)));
    addEventListener('unhandledrejection', (event) => errors.push(String(event.reason && event.reason.message || event.reason)));
    const consoleError = console.error;
    console.error = (...args) => { errors.push(args.map(String).join(' ')); consoleError.apply(console, args); };
  }`;

export async function launchWebKit(paths: WebKitPaths, options: WebKitOptions): Promise<BrowserPage> {
  const xvfb = await startXvfb(paths.xvfb);
  let driver: Awaited<ReturnType<typeof startDriver>> | null = null;
  try {
    driver = await startDriver(paths, xvfb.display, options);
    const { base } = driver;
    const created = (await command(base, 'POST', '/session', {
      capabilities: {
        alwaysMatch: {
          browserName: 'MiniBrowser',
          'webkitgtk:browserOptions': { binary: paths.miniBrowser, args: ['--automation'] },
          timeouts: { script: COMMAND_MS, pageLoad: 30_000 },
        },
      },
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${driver!.log().trim()}`);
    })) as { sessionId: string };
    const session = `/session/${created.sessionId}`;
    const run = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => command(base, method, session + path, body);
    await run('POST', '/window/rect', options.viewport);
    const opened = driver;
    return {
      name: 'webkit',
      async goto(url) {
        await run('POST', '/url', { url });
        await run('POST', '/execute/sync', { script: COLLECT_ERRORS, args: [] });
      },
      async evaluate<A, R>(fn: PageFunction<A, R>, arg?: A): Promise<R> {
        const script = `const [arg, done] = arguments;
          Promise.resolve().then(() => (${fn.toString()})(arg))
            .then((value) => done({ value }), (error) => done({ error: String(error && error.stack || error) }));`;
        const result = (await run('POST', '/execute/async', { script, args: [arg ?? null] })) as { value?: R; error?: string };
        if (result.error !== undefined) throw new Error(`in the page: ${result.error}`);
        return result.value as R;
      },
      async waitFor(selector, timeoutMs) {
        const deadline = Date.now() + timeoutMs;
        while (!(await run('POST', '/execute/sync', { script: 'return document.querySelector(arguments[0]) !== null', args: [selector] }))) {
          if (Date.now() > deadline) throw new Error(`no ${selector} in the page after ${timeoutMs} ms`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      },
      errors: async () => (await run('POST', '/execute/sync', { script: 'return window.__browserTestErrors || []', args: [] })) as string[],
      async screenshot(path) {
        writeFileSync(path, Buffer.from((await run('GET', '/screenshot')) as string, 'base64'));
      },
      async close() {
        await run('DELETE', '').catch(() => {});
        await stopGroup(opened.child);
        await stopGroup(xvfb.child);
      },
    };
  } catch (error) {
    if (driver !== null) await stopGroup(driver.child);
    await stopGroup(xvfb.child);
    throw error;
  }
}
