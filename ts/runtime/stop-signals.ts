// The process's SIGINT and SIGTERM, for a process that is the module's own
// (the CLI), listened for from before the module starts to the process's end.
// Before the start: a signal sent as soon as a ready line is out, or during
// the start, stops the module instead of killing the process outright (a
// listener added after the line missed such signals under Node 22 and 26 and
// Deno; Bun's takes effect a moment late). For the rest of the process, and
// only the first one counts: a signal repeated during the stop (Ctrl-C under
// bunx arrives twice, from the terminal and forwarded) changes nothing; the
// grace bounds the stop.
//
// The launch says how a signal reaches its module: a worker's asks its
// supervision to stop (stopUntil); a module on the starting thread runs no
// JavaScript listener while it holds the thread, so native code stops it
// there (the kernel owner's stopOnSignals), and a signal that came before
// that was armed is raised again once it is (here-launch.ts).

import { constants } from 'node:os';

const NAMES = ['SIGINT', 'SIGTERM'] as const;

export class StopSignals {
  private came: number | null = null;
  private stop: ((signo: number) => void) | null = null;

  constructor() {
    for (const name of NAMES) process.on(name, () => this.arrived(constants.signals[name]));
  }

  /** The first signal's number, or null when none came. */
  get first(): number | null {
    return this.came;
  }

  /** A signal native code took while the module held the thread (its listener here may not have run yet). */
  tookNatively(signo: number): void {
    this.came ??= signo;
  }

  /**
   * Until `ended` settles, the first signal calls `stop` (at once when one
   * already came): how a module in a worker, or a group of them, is stopped.
   */
  stopUntil(ended: Promise<unknown>, stop: (signo: number) => void): void {
    this.stop = stop;
    if (this.came !== null) stop(this.came);
    void ended.finally(() => (this.stop = null)).catch(() => {});
  }

  private arrived(signo: number): void {
    if (this.came !== null) return;
    this.came = signo;
    this.stop?.(signo);
  }
}
