// The official WASI test suite (WebAssembly/wasi-testsuite, preview1 tests),
// run through the project's run(): finds the test cases, reads each JSON spec
// the way the suite's SPECIFICATION.md says, runs the module and checks every
// operation's expectations.
//
// The suite's folder is data, kept outside the repository (../shared/
// wasi-testsuite/ from its root, or WASI_TESTSUITE); each directory a test preopens is copied
// fresh for that test, so one test's leftovers (or a failed test's) cannot
// reach the next one, and the read-only original is never written.

import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { ModuleRunner, RunningModule } from './module-runners.js';
import { REPO } from './servers.js';

export const SUITE_DIR = resolve(REPO, process.env.WASI_TESTSUITE ?? '../shared/wasi-testsuite');
const TEST_DIRS = ['tests/assemblyscript/testsuite/wasm32-wasip1', 'tests/c/testsuite/wasm32-wasip1', 'tests/rust/testsuite/wasm32-wasip1'];

/** A test that has not ended after this long fails (the reference runner's timeout is far longer; none needs 1 s). */
export const TEST_TIMEOUT_MS = 20_000;

type RunOp = { type: 'run'; args: string[]; env: Record<string, string>; root: string | null };
type WaitOp = { type: 'wait'; exit_code: number };
type ReadOp = { type: 'read'; id: 'stdout' | 'stderr'; payload: string };
export type Operation = RunOp | WaitOp | ReadOp;

export interface TestCase {
  /** 'rust/fd_readdir': the suite's language folder and the module's base name. */
  name: string;
  wasm: string;
  operations: Operation[];
}

export interface Result {
  passed: boolean;
  /** What did not match, one line each (empty when passed). */
  failures: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The test cases, in a stable order; [] when the suite's folder is absent. */
export function discover(suiteDir = SUITE_DIR): TestCase[] {
  const cases: TestCase[] = [];
  for (const sub of TEST_DIRS) {
    const dir = join(suiteDir, sub);
    if (!existsSync(dir)) continue;
    const language = sub.split('/')[1]!;
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.wasm')) continue;
      const base = file.slice(0, -'.wasm'.length);
      const specPath = join(dir, `${base}.json`);
      const spec = existsSync(specPath) ? (JSON.parse(readFileSync(specPath, 'utf8')) as unknown) : {};
      cases.push({ name: `${language}/${base}`, wasm: join(dir, file), operations: operationsOf(spec, specPath, dir) });
    }
  }
  return cases;
}

const LEGACY_KEYS = new Set(['args', 'root', 'env', 'exit_code', 'stderr', 'stdout']);

/**
 * A spec as a list of operations. A legacy spec ({args, env, root,
 * exit_code, stdout, stderr}) is run, read stdout, read stderr (each only
 * when given), wait: what the reference runner converts it to. Only the
 * operations a preview1 command can take part in are supported; a test that
 * asks for another (connect, send, recv, http) is an error, not a silent pass.
 */
export function operationsOf(spec: unknown, specPath: string, testDir: string): Operation[] {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new Error(`${specPath}: a spec must be a JSON object`);
  const s = spec as Record<string, unknown>;
  const root = (value: unknown): string | null => {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') throw new Error(`${specPath}: root must be a path relative to the test's folder`);
    return resolve(testDir, value);
  };
  if (!('operations' in s) && !('proposals' in s)) {
    for (const key of Object.keys(s)) if (!LEGACY_KEYS.has(key)) throw new Error(`${specPath}: unknown key ${JSON.stringify(key)}`);
    const ops: Operation[] = [{ type: 'run', args: strings(s.args, specPath), env: stringRecord(s.env, specPath), root: root(s.root) }];
    if (s.stdout !== undefined && s.stdout !== null) ops.push({ type: 'read', id: 'stdout', payload: text(s.stdout, specPath) });
    if (s.stderr !== undefined && s.stderr !== null) ops.push({ type: 'read', id: 'stderr', payload: text(s.stderr, specPath) });
    ops.push({ type: 'wait', exit_code: exitCode(s.exit_code, specPath) });
    return ops;
  }
  if (Array.isArray(s.proposals) && s.proposals.length > 0) {
    throw new Error(`${specPath}: proposals ${JSON.stringify(s.proposals)} are not preview1; this runner runs preview1 commands only`);
  }
  const list = (s.operations ?? [{ type: 'run' }, { type: 'wait' }]) as Record<string, unknown>[];
  return list.map((op): Operation => {
    switch (op.type) {
      case 'run':
        return { type: 'run', args: strings(op.args, specPath), env: stringRecord(op.env, specPath), root: root(op.root) };
      case 'wait':
        return { type: 'wait', exit_code: exitCode(op.exit_code, specPath) };
      case 'read': {
        const id = op.id ?? 'stdout';
        if (id !== 'stdout' && id !== 'stderr') throw new Error(`${specPath}: read from ${JSON.stringify(id)}: only stdout and stderr exist`);
        return { type: 'read', id, payload: text(op.payload ?? '', specPath) };
      }
      default:
        throw new Error(`${specPath}: operation ${JSON.stringify(op.type)} is not supported by this runner (preview1 commands only)`);
    }
  });
}

function strings(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new Error(`${where}: args must be a list of strings`);
  return value as string[];
}

function stringRecord(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new Error(`${where}: env must map names to strings`);
  }
  return value as Record<string, string>;
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new Error(`${where}: an expected payload must be a string`);
  return value;
}

function exitCode(value: unknown, where: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`${where}: exit_code must be an integer`);
  return value;
}

/** A writable copy of `dir` in a fresh temporary folder, without the `*.cleanup` artifacts the spec says to remove. */
export function freshCopy(dir: string): { path: string; remove(): void } {
  const parent = mkdtempSync(join(tmpdir(), 'wasi-testsuite-'));
  const path = join(parent, basename(dir));
  cpSync(dir, path, { recursive: true, verbatimSymlinks: true, filter: (src) => !src.endsWith('.cleanup') });
  // The shared original is read-only; the suite's checkout, which the tests were written against, is not.
  const makeWritable = (p: string): void => {
    const st = statSync(p);
    chmodSync(p, st.mode | 0o200);
    if (st.isDirectory()) for (const name of readdirSync(p)) makeWritable(join(p, name));
  };
  makeWritable(path);
  return { path, remove: () => rmSync(parent, { recursive: true, force: true }) };
}

/** Runs one test case with `runner` (run() or the CLI, ./module-runners.ts); never throws for the module's behaviour. */
export async function runTestCase(test: TestCase, runner: ModuleRunner): Promise<Result> {
  const failures: string[] = [];
  let stdout = '';
  let stderr = '';
  let exitCode: number | null = null;
  const started = performance.now();
  const copies: { remove(): void }[] = [];
  try {
    let running: RunningModule | null = null;
    const read = { stdout: 0, stderr: 0 };
    for (const op of test.operations) {
      switch (op.type) {
        case 'run': {
          if (running !== null) throw new Error(`${test.name}: a second run before the first one's wait`);
          const preopens: string[] = [];
          if (op.root !== null) {
            const copy = freshCopy(op.root);
            copies.push(copy);
            preopens.push(`${copy.path}::/`);
          }
          running = runner.start(test.wasm, { args: op.args, env: op.env, preopens, stopAfterMs: TEST_TIMEOUT_MS });
          break;
        }
        case 'read':
          // As the reference runner: the next payload.length characters of the stream.
          // Output is complete only once the module ended, so reads are checked then.
          break;
        case 'wait': {
          if (running === null) throw new Error(`${test.name}: wait without run`);
          try {
            exitCode = await running.exit;
          } catch (error) {
            failures.push(`did not exit: ${(error as Error).message}`);
          }
          stdout = running.stdout();
          stderr = running.stderr();
          running = null;
          if (exitCode !== null && exitCode !== op.exit_code) failures.push(`exit code ${exitCode}, expected ${op.exit_code}`);
          break;
        }
      }
    }
    for (const op of test.operations) {
      if (op.type !== 'read') continue;
      const stream = op.id === 'stdout' ? stdout : stderr;
      const got = stream.slice(read[op.id], read[op.id] + op.payload.length);
      read[op.id] += op.payload.length;
      if (got !== op.payload) failures.push(`${op.id}: expected ${JSON.stringify(op.payload)}, got ${JSON.stringify(got)}`);
    }
    if (running !== null) failures.push('the spec runs the module but never waits for it');
  } finally {
    for (const copy of copies) copy.remove();
  }
  return { passed: failures.length === 0, failures, exitCode, stdout, stderr, ms: performance.now() - started };
}
