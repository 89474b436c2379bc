// The npm package as a user gets it: `npm pack`, then `npm install` of the
// tarball into an empty folder (npm 11 runs no install script of a
// dependency, so nothing is built there). Packed and installed once per test
// process, for every test file that asks (uvu runs them all in one process),
// and removed when the process exits. Every npm call is bounded in time.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './servers.js';

const exec = promisify(execFile);

/** A clean environment for npm: none of the npm_* variables of an `npm test` around this. */
export const NPM_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

export interface InstalledPackage {
  /** The folder holding the tarball and the app. */
  dir: string;
  /** What `npm pack --json` listed. */
  files: string[];
  /** The app: an empty folder the tarball was installed into. */
  app: string;
  /** The installed package: app/node_modules/wasi-evloop. */
  pkg: string;
}

let installed: Promise<InstalledPackage> | null = null;

export function installedPackage(): Promise<InstalledPackage> {
  installed ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-package-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const packed = await exec('npm', ['pack', '--pack-destination', dir, '--json'], { cwd: REPO, env: NPM_ENV, timeout: 240_000, maxBuffer: 16 << 20 });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const app = join(dir, 'app');
    mkdirSync(app);
    await exec('npm', ['install', '--no-audit', '--no-fund', join(dir, info!.filename)], { cwd: app, env: NPM_ENV, timeout: 240_000 });
    return { dir, files: info!.files.map((f) => f.path), app, pkg: join(app, 'node_modules', 'wasi-evloop') };
  })();
  return installed;
}
