// The wasi-evloop CLI as users run it (bin/wasi-evloop.js: the bundle,
// dist/node/cli.js) as a child process, bounded in time.

import { spawn, type ChildProcess } from 'node:child_process';
import { REPO } from './servers.js';

export const CLI = `${REPO}bin/wasi-evloop.js`;

/**
 * Where the CLI puts a module: on its own starting thread when the transport
 * allows it (the kernel transport, by default), or in a worker thread
 * (`--worker`, or the node-net transport). Suites of the CLI run over each.
 */
export const CLI_PLACEMENTS = [
  { name: 'starting thread', args: ['--transport', 'kernel'] },
  { name: 'worker', args: ['--transport', 'kernel', '--worker'] },
  { name: 'node-net worker', args: ['--transport', 'node-net'] },
] as const;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  /** stdout as the bytes written (for binary output). */
  stdoutBytes(): Buffer;
  stderr(): string;
  /** Resolves when stdout or stderr (whichever `stream` names) matches `pattern`. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** Resolves when the process exits; kills it (SIGKILL) and rejects after `ms`. */
  exited(ms?: number): Promise<CliResult>;
}

/** `cli` is another copy of the CLI, for tests that run a package laid out differently (e.g. without the addon). */
export function startCli(args: readonly string[], cli = CLI): CliProcess {
  return startCommand([process.execPath, cli, ...args]);
}

/** Any command line (the CLI under another JavaScript runtime, an installed package's bin), as startCli's process. */
export function startCommand(argv: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliProcess {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const out = { stdout: '', stderr: '' };
  const stdoutChunks: Buffer[] = [];
  const listeners: (() => void)[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    const decoder = new TextDecoder();
    child[stream]!.on('data', (chunk: Buffer) => {
      if (stream === 'stdout') stdoutChunks.push(chunk);
      out[stream] += decoder.decode(chunk, { stream: true });
      for (const listener of listeners) listener();
    });
  }
  const exit = new Promise<CliResult>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, ...out })),
  );
  return {
    child,
    stdout: () => out.stdout,
    stdoutBytes: () => Buffer.concat(stdoutChunks),
    stderr: () => out.stderr,
    waitFor(stream, pattern, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out[stream]);
          if (match) {
            clearTimeout(timer);
            resolve(match);
          }
        };
        const timer = setTimeout(() => reject(new Error(`no ${pattern} on ${stream} within ${ms} ms: ${JSON.stringify(out)}`)), ms);
        listeners.push(check);
        check();
        void exit.then(() => {
          check();
          clearTimeout(timer);
          reject(new Error(`exited before ${pattern} on ${stream}: ${JSON.stringify(out)}`));
        });
      });
    },
    exited(ms = 10_000) {
      let timer: NodeJS.Timeout;
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${argv.join(' ')} did not exit within ${ms} ms: ${JSON.stringify(out)}`));
        }, ms);
      });
      return Promise.race([exit, limit]).finally(() => clearTimeout(timer));
    },
  };
}

/** Runs the CLI to completion. */
export function runCli(args: readonly string[], ms = 10_000): Promise<CliResult> {
  return startCli(args).exited(ms);
}
