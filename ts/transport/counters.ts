// Opt-in event counters, for finding out where the node:net transport spends
// its work (bench/README.md, "Where the time goes"). With
// WASI_EVLOOP_COUNTERS=1 in the environment, each thread that loads this
// module counts what its call sites report and writes one JSON line to stderr
// when it exits: {"counters":"main"|"worker", "name": total, ...}.
//
// Off (the default), `counters` is null and every call site is
// `counters?.add(...)`: the arguments are not even evaluated.

import { writeSync } from 'node:fs';
import { lazyNodeModule } from '../node-require.js';
import { optionalEnv } from './optional-env.js';

const workerThreads = lazyNodeModule<typeof import('node:worker_threads')>('node:worker_threads');

class Counters {
  private readonly totals = new Map<string, number>();

  constructor(readonly thread: string) {
    // Synchronous write: a worker's process.stderr is relayed through the
    // main thread and may be lost at exit; fd 2 is the whole process's.
    process.on('exit', () => writeSync(2, this.line() + '\n'));
  }

  add(name: string, n = 1): void {
    this.totals.set(name, (this.totals.get(name) ?? 0) + n);
  }

  line(): string {
    const sorted = [...this.totals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return JSON.stringify({ counters: this.thread, ...Object.fromEntries(sorted) });
  }
}

export const counters: Counters | null = optionalEnv('WASI_EVLOOP_COUNTERS') === '1' ? new Counters(workerThreads().isMainThread ? 'main' : 'worker') : null;
