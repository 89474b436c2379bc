// What a test needs that a machine may lack (a browser, the WASI test suite,
// the kernel addon, a C compiler, sanitizers, ...), and what happens without
// it: nothing is ever skipped silently.
//
// - Missing on a developer's machine: each test that needs it is skipped
//   (uvu counts it: "Skipped: N"; .ci/run reports it as "N skipped"), and one
//   line per prerequisite, when the process exits, says how many tests were
//   skipped, what is missing and how to get it.
// - Missing under CI=true (which .ci/run sets) when .ci/run is meant to
//   provide it: each test that needs it FAILS with that same line, so a CI run
//   cannot be green for having run less.
//
// Use: `const it = requirePrerequisite(test, CHROMIUM);` then register with
// `it('name', async () => …)` instead of `test(...)`; `test.run()` as usual.
// A new prerequisite is one more `prerequisite({...})` below.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeSync } from 'node:fs';
import type { Callback, Test } from 'uvu';
import { loadKernelAddon } from '../../ts/transport/kernel/addon.js';
import { SUITE_DIR } from './wasi-testsuite.js';

export interface PrerequisiteSpec {
  /** What it is, as the skip line names it: 'Chromium', 'the WASI test suite'. */
  name: string;
  /** null when it is here; otherwise what was looked for and not found. Asked once. */
  check(): string | null;
  /** How to get it: the command or setting, one line. */
  howToGet: string;
  /** .ci/run provides it: under CI=true its absence fails the tests instead of skipping them. */
  providedByCi: boolean;
}

export interface Prerequisite extends PrerequisiteSpec {
  /** null when it is here; otherwise what is missing (the check's answer, remembered). */
  missing(): string | null;
}

/** True under CI=true (.ci/run sets it). */
export const UNDER_CI = process.env.CI === 'true';

export function prerequisite(spec: PrerequisiteSpec): Prerequisite {
  let answer: { missing: string | null } | null = null;
  return {
    ...spec,
    missing() {
      answer ??= { missing: spec.check() };
      return answer.missing;
    },
  };
}

/** Skipped tests per prerequisite name, with the line that says why; printed once, at exit. */
const skipped = new Map<string, { count: number; line: string }>();
let reportAtExit = false;

function reasonLine(p: Prerequisite, missing: string): string {
  return `${p.name} is missing (${missing}); to get it: ${p.howToGet}`;
}

/**
 * The function to register the tests that need `needs` with: `test` itself
 * when every prerequisite is here; otherwise one that skips each test (or,
 * under CI=true for a prerequisite .ci/run provides, registers it failing).
 */
export function requirePrerequisite<T>(test: Test<T>, ...needs: Prerequisite[]): (name: string, body: Callback<T>) => void {
  const absent = needs.flatMap((p) => {
    const missing = p.missing();
    return missing === null ? [] : [{ p, line: reasonLine(p, missing) }];
  });
  if (absent.length === 0) return (name, body) => test(name, body);
  const failing = UNDER_CI ? absent.find(({ p }) => p.providedByCi) : undefined;
  if (failing) {
    return (name) =>
      test(name, () => {
        throw new Error(`${failing.line} — .ci/run provides it, so under CI=true this fails instead of skipping`);
      });
  }
  const { p, line } = absent[0]!;
  return () => {
    test.skip();
    const entry = skipped.get(p.name) ?? { count: 0, line };
    entry.count++;
    skipped.set(p.name, entry);
    if (!reportAtExit) {
      reportAtExit = true;
      // After uvu's summary; written synchronously, since the process is ending.
      process.on('exit', () => {
        for (const { count, line: why } of skipped.values()) writeSync(1, `skipped ${count} test${count === 1 ? '' : 's'}: ${why}\n`);
      });
    }
  };
}

/** True when every prerequisite is here (for a test that adapts rather than skips: say so in its name). */
export function available(...needs: Prerequisite[]): boolean {
  return needs.every((p) => p.missing() === null);
}

function commandWorks(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: 60_000 });
  return r.status === 0;
}

// ---- the prerequisites -----------------------------------------------------------

// The browsers (Debian's, never a downloaded one): helpers/browser.ts drives them.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
export const XVFB = '/usr/bin/Xvfb';

/** libwebkit2gtk-4.1's MiniBrowser, in the multiarch folder of this machine. */
export function miniBrowserPath(): string | null {
  const lib = '/usr/lib';
  for (const entry of existsSync(lib) ? readdirSync(lib) : []) {
    const path = `${lib}/${entry}/webkit2gtk-4.1/MiniBrowser`;
    if (existsSync(path)) return path;
  }
  return null;
}

export const CHROMIUM = prerequisite({
  name: 'Chromium',
  check: () => (existsSync(CHROMIUM_PATH) ? null : `no browser at ${CHROMIUM_PATH}`),
  howToGet: 'as root `apt-get install -y chromium` (.ci/run does), or set CHROMIUM_PATH',
  providedByCi: true,
});

export const FIREFOX = prerequisite({
  name: 'Firefox',
  check: () => (existsSync(FIREFOX_PATH) ? null : `no browser at ${FIREFOX_PATH}`),
  howToGet: 'as root `apt-get install -y firefox-esr` (.ci/run does), or set FIREFOX_PATH',
  providedByCi: true,
});

export const WEBKIT = prerequisite({
  name: 'WebKit',
  check: () => {
    const absent = [existsSync(WEBKIT_DRIVER) ? null : WEBKIT_DRIVER, miniBrowserPath() !== null ? null : 'WebKitGTK MiniBrowser', existsSync(XVFB) ? null : XVFB].filter(
      (part) => part !== null,
    );
    return absent.length === 0 ? null : `no ${absent.join(', ')}`;
  },
  howToGet: 'as root `apt-get install -y webkit2gtk-driver xvfb` (.ci/run does)',
  providedByCi: true,
});

export const WASI_TESTSUITE = prerequisite({
  name: 'the WASI test suite',
  check: () => (existsSync(SUITE_DIR) ? null : `no folder ${SUITE_DIR}`),
  howToGet:
    'put a checkout of https://github.com/WebAssembly/wasi-testsuite (with its built tests) at ../shared/wasi-testsuite beside the repository, or set WASI_TESTSUITE to its folder',
  // Data outside any package registry: .ci/run cannot install it, only find
  // it beside the clone, so its absence skips (counted) even under CI=true.
  providedByCi: false,
});

export const KERNEL_ADDON = prerequisite({
  name: 'the kernel-socket addon',
  check: () => {
    const loaded = loadKernelAddon();
    return 'unavailable' in loaded ? loaded.unavailable : null;
  },
  howToGet: 'Linux and a C compiler, then `node scripts/addon-build.mjs` (npm install and npm test run it)',
  providedByCi: true,
});

export const C_COMPILER = prerequisite({
  name: 'a C compiler',
  check: () => (commandWorks(process.env.CC ?? 'cc', ['--version']) ? null : `\`${process.env.CC ?? 'cc'} --version\` failed`),
  howToGet: 'as root `apt-get install -y gcc` (or set CC)',
  providedByCi: true,
});

/** AddressSanitizer and UBSan in the machine's cc: the same probe as the Makefile's SANITIZE. */
export const SANITIZERS = prerequisite({
  name: 'AddressSanitizer and UBSan',
  check: () => {
    const cc = process.env.CC ?? 'cc';
    const r = spawnSync(cc, ['-x', 'c', '-fsanitize=address,undefined', '-o', '/dev/null', '-'], {
      input: 'int main(void){return 0;}',
      stdio: ['pipe', 'ignore', 'ignore'],
      timeout: 60_000,
    });
    return r.status === 0 ? null : `\`${cc} -fsanitize=address,undefined\` does not link`;
  },
  howToGet: 'gcc with libasan and libubsan (Debian: `apt-get install -y gcc`, which brings them)',
  providedByCi: true,
});

/** /proc/self/fd, where descriptors are counted (Linux). */
export const PROC_FD = prerequisite({
  name: '/proc/self/fd',
  check: () => (existsSync('/proc/self/fd') ? null : 'no /proc/self/fd to count descriptors in'),
  howToGet: 'Linux (procfs mounted at /proc)',
  providedByCi: true,
});

/** netcat-openbsd's `nc -N`, which the README's example client uses. */
export const NETCAT = prerequisite({
  name: 'netcat-openbsd (nc -N)',
  check: () => {
    // OpenBSD's nc prints its usage (with -N) for -h; other netcats lack -N.
    const r = spawnSync('nc', ['-h'], { encoding: 'utf8', timeout: 10_000 });
    return r.error ? 'no `nc` on the PATH' : /OpenBSD netcat/.test(`${r.stdout}${r.stderr}`) ? null : '`nc` is not OpenBSD netcat (no -N)';
  },
  howToGet: 'as root `apt-get install -y netcat-openbsd` (.ci/run does)',
  providedByCi: true,
});
