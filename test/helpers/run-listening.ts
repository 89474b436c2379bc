// run() of a module with one listening socket on 127.0.0.1, port 0: the
// tests of run() start their fixtures this way and connect once it is bound.

import { run, type Address, type RunOptions } from '../../ts/index.js';
import { withTimeout } from './echo-client.js';

const LISTEN_MS = 5000;

export interface RunningListener {
  /** run()'s promise: the exit code, or the typed error. */
  exit: Promise<number>;
  /** The bound address; rejects if the module ends or LISTEN_MS pass first. */
  address: Promise<Address>;
}

export function runListening(module: Parameters<typeof run>[0], options: Omit<RunOptions, 'tcplisten' | 'onListening'>): RunningListener {
  let listening!: (addresses: readonly Address[]) => void;
  const bound = new Promise<readonly Address[]>((resolve) => (listening = resolve));
  const exit = run(module, { ...options, tcplisten: ['127.0.0.1:0'], onListening: listening });
  const ended = exit.then(
    (code) => Promise.reject(new Error(`the module exited (${code}) before listening`)),
    (error: unknown) => Promise.reject(error),
  );
  const address = withTimeout('the listener', LISTEN_MS, Promise.race([bound, ended])).then(([first]) => first!);
  // Whoever awaits `address` sees why it failed; the race's loser is no unhandled rejection.
  ended.catch(() => {});
  return { exit, address };
}

export interface StoppableListener extends RunningListener {
  /** Aborts run()'s signal: the way a caller stops the module. */
  stop(): void;
  /** What the module wrote to stderr so far. */
  stderr(): string;
}

/** runListening with stdout ignored, stderr kept, and an AbortSignal to stop it with. */
export function runStoppable(
  module: Parameters<typeof run>[0],
  options: Pick<RunOptions, 'runtime' | 'transport' | 'blockingAccept' | 'stopGraceMs'>,
): StoppableListener {
  const controller = new AbortController();
  let stderr = '';
  const running = runListening(module, {
    ...options,
    stdout: 'ignore',
    stderr: (bytes) => (stderr += Buffer.from(bytes).toString()),
    signal: controller.signal,
  });
  return { ...running, stop: () => controller.abort(), stderr: () => stderr };
}
