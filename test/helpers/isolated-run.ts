// Runs a module with run() in a Node process of its own, for tests of what a
// module must not be able to do to its host process (close its stdio, signal
// it): if it can, only that process suffers. The process reports on fd 3,
// which the module never sees: how run() ended, and what the process's fds
// 0-2 were before and after (isolated-run-child.ts).

import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { RuntimeName } from '../../ts/index.js';

export interface IsolatedOutcome {
  /** The child's exit code and signal: a healthy host exits 0. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** run()'s exit code, or the name and message of the error it rejected with; null if the process never said. */
  outcome: { exit: number } | { error: string; message: string } | null;
  /** Device, inode and mode of the process's fds 0-2, or the error fstat gave. */
  before: string[];
  after: string[];
}

export interface IsolatedOptions {
  /** A directory the module gets as /. */
  preopen?: string;
  /** An open file descriptor for the process's stdout (default: a pipe, drained). */
  stdout?: number;
  /** The process's working directory (default: this one). */
  cwd?: string;
  /** Killed after this long (default 20 s). */
  timeoutMs?: number;
}

export function runIsolated(module: Uint8Array, runtime: RuntimeName, o: IsolatedOptions = {}): Promise<IsolatedOutcome> {
  const script = new URL('./isolated-run-child.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [script, runtime, Buffer.from(module).toString('base64'), o.preopen ?? ''], {
    // stdin is /dev/null: a character device, to which uvwasi gives every right.
    stdio: ['ignore', o.stdout ?? 'pipe', 'pipe', 'pipe'],
    cwd: o.cwd,
  });
  let report = '';
  (child.stdio[3] as Readable).on('data', (chunk: Buffer) => (report += chunk.toString()));
  child.stdout?.resume();
  child.stderr!.resume();
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 20_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const parsed = report === '' ? { outcome: null, before: [], after: [] } : (JSON.parse(report) as Omit<IsolatedOutcome, 'code' | 'signal'>);
      resolve({ code, signal, ...parsed });
    });
  });
}
