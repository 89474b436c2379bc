// The JavaScript runtimes the tests drive the CLI and the API under: the
// machine's Node (the one running the tests), and each runtime .ci/run
// installs from npm into .ci/runtimes/ (pinned in .ci/runtimes/package.json,
// whose dependency keys are their names here: node22, node24, node26, deno,
// bun). WASI_EVLOOP_RUNTIMES names another folder laid out the same way;
// Deno and Bun are also looked for on PATH.
//
// A runtime that is absent is still listed, with a prerequisite that skips
// its tests with one line (and fails them under CI=true, since .ci/run
// provides it). What each one can do (its WASI runtimes and transports) is
// asked of it by js-runtime-probe.ts, never assumed here.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { RuntimeName, TransportName } from '../../ts/index.js';
import { CLI, startCommand, type CliProcess } from './cli.js';
import { prerequisite, requirePrerequisite, type Prerequisite } from './prerequisites.js';
import { REPO } from './servers.js';
import type { Callback, Test } from 'uvu';

export type Family = 'node' | 'deno' | 'bun';

/** What a script run under a runtime needs; under Deno these become exactly its --allow-* flags, elsewhere they mean nothing. */
export interface Permissions {
  /** Folders or files it reads; '*': anywhere. */
  read?: readonly string[] | '*';
  /** '*': anywhere. */
  write?: readonly string[] | '*';
  /** Hosts it listens on or connects to. */
  net?: readonly string[];
  /** Loads the kernel-socket addon. */
  ffi?: boolean;
  /** Programs it runs. */
  run?: readonly string[];
  /** Environment variables it reads. */
  env?: readonly string[];
}

export interface JsRuntime {
  /** 'node20', 'node24', 'deno', 'bun': the name in test titles and bench rows. */
  name: string;
  family: Family;
  /** The binary, or null when it is not here. */
  bin: string | null;
  /** Skips (or, under CI, fails) the tests that need this runtime when it is absent. */
  prerequisite: Prerequisite;
  /** The argv that runs `script` with `args` (for Deno with the narrowest flags `permissions` allow). */
  argv(script: string, args: readonly string[], permissions?: Permissions): string[];
}

export const RUNTIMES_DIR = process.env.WASI_EVLOOP_RUNTIMES ?? join(REPO, '.ci', 'runtimes');
const MANIFEST = join(REPO, '.ci', 'runtimes', 'package.json');
const HOW_TO_GET = `\`npm ci --prefix .ci/runtimes --ignore-scripts\` (.ci/run does; versions pinned in .ci/runtimes/package.json), or set WASI_EVLOOP_RUNTIMES to a folder laid out like it`;

/** The runtimes .ci/run installs, by name, as pinned. */
function ciRuntimes(): { name: string; spec: string }[] {
  const deps = (JSON.parse(readFileSync(MANIFEST, 'utf8')) as { dependencies: Record<string, string> }).dependencies;
  return Object.entries(deps).map(([name, spec]) => ({ name, spec }));
}

function familyOf(name: string): Family {
  if (name === 'deno' || name === 'bun') return name;
  if (/^node\d+$/.test(name)) return 'node';
  throw new Error(`.ci/runtimes/package.json: ${name} is not node<major>, deno or bun`);
}

function onPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/** Where an npm-installed runtime's binary is: with or without its postinstall script having run (.ci/run runs none). */
function installedBinary(name: string): string | null {
  const modules = join(RUNTIMES_DIR, 'node_modules');
  const candidates: Record<Family, string[]> = {
    node: [join(modules, name, 'bin', 'node')],
    deno: [join(modules, '@deno', `linux-${process.arch}-glibc`, 'deno'), join(modules, 'deno', 'deno')],
    bun: [join(modules, '@oven', `bun-linux-${process.arch}`, 'bin', 'bun'), join(modules, 'bun', 'bin', 'bun.exe')],
  };
  const family = familyOf(name);
  const found = candidates[family].find((c) => existsSync(c));
  if (found) return found;
  return family === 'node' ? null : onPath(family);
}

function denoFlags(p: Permissions): string[] {
  const list = (flag: string, values: readonly string[] | '*' | undefined) =>
    values === '*' ? [`--allow-${flag}`] : values && values.length > 0 ? [`--allow-${flag}=${values.join(',')}`] : [];
  return [
    '--no-prompt',
    ...list('read', p.read),
    ...list('write', p.write),
    ...list('net', p.net),
    ...(p.ffi ? ['--allow-ffi'] : []),
    ...list('run', p.run),
    ...list('env', p.env),
  ];
}

function runtime(name: string, bin: string | null, providedByCi: boolean): JsRuntime {
  const family = familyOf(name);
  const label = family === 'node' ? `Node ${name.slice(4)}` : family === 'deno' ? 'Deno' : 'Bun';
  return {
    name,
    family,
    bin,
    prerequisite: prerequisite({
      name: label,
      check: () => (bin === null ? `no ${name} binary under ${join(RUNTIMES_DIR, 'node_modules')}${family === 'node' ? '' : ` nor ${family} on PATH`}` : null),
      howToGet: HOW_TO_GET,
      providedByCi,
    }),
    argv(script, args, permissions = {}) {
      if (bin === null) throw new Error(`${name} is not here`);
      if (family === 'deno') return [bin, 'run', ...denoFlags(permissions), script, ...args];
      return [bin, script, ...args];
    },
  };
}

let listed: JsRuntime[] | null = null;

/** Every runtime the tests cover, present or not: this Node first, then the ones .ci/run installs. */
export function jsRuntimes(): JsRuntime[] {
  if (listed !== null) return listed;
  const own = `node${process.versions.node.split('.')[0]}`;
  listed = [runtime(own, process.execPath, true)];
  for (const { name } of ciRuntimes()) {
    if (name !== own) listed.push(runtime(name, installedBinary(name), true));
  }
  return listed;
}

/**
 * Registers, for every runtime, the tests `each` declares with the `it` it is
 * given: `test` when the runtime is here, otherwise a skip (or a failure under CI).
 */
export function forEachJsRuntime<T>(test: Test<T>, each: (rt: JsRuntime, it: (name: string, body: Callback<T>) => void) => void): void {
  for (const rt of jsRuntimes()) each(rt, requirePrerequisite(test, rt.prerequisite));
}

/** What a runtime can do here, as it answers itself (js-runtime-probe.ts). */
export interface Capabilities {
  version: string;
  /** Each WASI runtime: null where it can work, else why not (RuntimeUnavailableError's reason). */
  runtimes: Record<RuntimeName, string | null>;
  transports: Record<TransportName, string | null>;
}

const probed = new Map<string, Capabilities>();

/** Asks `rt` what it can do (once per runtime and process). */
export function capabilities(rt: JsRuntime): Capabilities {
  const known = probed.get(rt.name);
  if (known) return known;
  const argv = rt.argv(join(REPO, 'dist', 'test', 'helpers', 'js-runtime-probe.js'), [], { read: [REPO], ffi: true });
  const out = execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const answer = JSON.parse(out) as Capabilities;
  probed.set(rt.name, answer);
  return answer;
}

/** The WASI runtimes and transports `rt` can use here. */
export function usable(rt: JsRuntime): { runtimes: RuntimeName[]; transports: TransportName[] } {
  const c = capabilities(rt);
  const ok = <T extends string>(record: Record<T, string | null>) => (Object.keys(record) as T[]).filter((k) => record[k] === null);
  return { runtimes: ok(c.runtimes), transports: ok(c.transports) };
}

/** `rt --version`'s first line, for reports. */
export function versionLine(rt: JsRuntime): string {
  if (rt.bin === null) return 'absent';
  const r = spawnSync(rt.bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return r.stdout.split('\n')[0]!.trim();
}

/**
 * What the CLI needs to serve and run from the repository: the README's Deno
 * flags (--allow-read=<package> --allow-net=127.0.0.1 --allow-ffi).
 */
export const CLI_PERMISSIONS: Permissions = { read: [REPO], net: ['127.0.0.1'], ffi: true };

/** The wasi-evloop CLI under `rt`, as startCli's process. */
export function cliUnder(rt: JsRuntime, args: readonly string[], permissions: Permissions = CLI_PERMISSIONS): CliProcess {
  return startCommand(rt.argv(CLI, args, permissions));
}
