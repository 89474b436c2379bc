// Worker threads for modules, kept warm: a worker whose module ended cleanly
// runs the next one, so a process that runs many modules (run() in a loop, a
// test suite) boots a thread and loads the host once, not per module. An idle
// worker is unref'd: it never keeps the process alive.

import { Worker } from 'node:worker_threads';

/**
 * The module's thread allocates little per call (the data path none), so a
 * small young generation costs nothing in speed and keeps the garbage it does
 * make from growing the process: measured at 10k idle connections, 88 MB
 * resident with 4 MB against 101 MB with V8's default.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/** Idle workers kept at most: one is enough for modules run one after another. */
const IDLE_MAX = 1;

const idle: Worker[] = [];

function dropIdle(worker: Worker): void {
  const at = idle.indexOf(worker);
  if (at >= 0) idle.splice(at, 1);
}

/** The workers kept for the next module now (their threadIds say which ones run the next modules). */
export function idleWorkers(): readonly Worker[] {
  return idle;
}

/** An idle worker if there is one (`warm`), else a new one (worker.js, booting). */
export function takeWorker(warm: boolean): Worker {
  const kept = warm ? idle.pop() : undefined;
  if (kept !== undefined) {
    kept.removeAllListeners('exit');
    kept.ref();
    return kept;
  }
  return new Worker(new URL('./worker.js', import.meta.url), {
    execArgv: workerExecArgv(),
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
}

/**
 * The process's Node options, as a worker inherits them, minus --input-type:
 * it is for -e and stdin only, and a worker given it cannot load its file
 * (ERR_INPUT_TYPE_NOT_ALLOWED: run() from `node --input-type=module -e …`).
 */
function workerExecArgv(): string[] {
  const args: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!;
    if (arg === '--input-type') i++;
    else if (!arg.startsWith('--input-type=')) args.push(arg);
  }
  return args;
}

/**
 * A worker whose module ended cleanly (it reported how, after closing all it
 * opened), free for the next module; terminated when enough are kept.
 */
export function keepWorker(worker: Worker): void {
  if (idle.length >= IDLE_MAX) {
    void worker.terminate();
    return;
  }
  worker.unref();
  // One that dies while idle (out of memory, say) is no longer offered.
  worker.once('exit', () => dropIdle(worker));
  idle.push(worker);
}
