// What the starting thread makes of a module's worker, whether it is a Node
// worker thread (ts/runtime/launch.ts) or a page's Web Worker
// (ts/browser/launch.ts): when the module is serving, how it ended, how to
// stop it, and the transport's owner half closed once it is gone. Each launch
// supplies only how its kind of worker is started, messaged and ended. No Node
// imports.

import { GRACE_OVER, ModuleStopped } from '../host/index.js';
import type { ControlBlock } from '../transport/control-block.js';
import type { TransportOwner } from '../transport/types.js';
import type { WorkerMessage } from './types.js';

export type Outcome =
  | { type: 'exit'; code: number }
  | { type: 'trap'; message: string }
  | { type: 'start-error'; message: string }
  /** Asked to stop, it did not end by itself: the host ended it (at a call, or by terminating its thread). */
  | { type: 'stopped'; message: string }
  /** The worker itself failed (a host bug, out of memory, a script that did not load). */
  | { type: 'crash'; error: Error };

/** How long to wait for the module half's last flush when the worker did not say goodbye. */
const END_WAIT_MS = 500;

/**
 * Why a module the host ended at the end of the grace period has no exit
 * code: the same words whether its next wait ended it, its thread was
 * terminated, or (on the CLI's starting thread) the process was ended.
 */
export const GRACE_ENDED = new ModuleStopped(GRACE_OVER).message;

export interface SupervisionOptions {
  owner: Pick<TransportOwner, 'ended' | 'wake' | 'close'>;
  control: ControlBlock;
  /** How long sockets the module left open may flush once it is gone. */
  lingerMs: number;
  /** Ends the module's thread now: the grace period is over. */
  terminate(): void;
  onOutput(fd: 1 | 2, bytes: Uint8Array): void;
  onInternalError(message: string): void;
  /** The network policy denied the module something, the first time for that address ("connect to 10.0.0.1:80"). */
  onDenied?(what: string): void;
  /**
   * Called when the module first sleeps (it is serving), as the message
   * arrives: on a module that runs on the starting thread, the only moment
   * anything else can happen before it ends.
   */
  onServing?(): void;
}

export class Supervision {
  /** True when the module first sleeps (it is serving); false if it ended before that. */
  readonly ready: Promise<boolean>;
  /** How the module ended; resolves once its thread is gone and the owner half closed. */
  readonly outcome: Promise<Outcome>;
  private resolveReady!: (serving: boolean) => void;
  private resolveGone!: (failure: Error | undefined) => void;
  private reported: Outcome | null = null;
  private terminated = false;

  constructor(private readonly options: SupervisionOptions) {
    this.ready = new Promise<boolean>((resolve) => (this.resolveReady = resolve));
    const gone = new Promise<Error | undefined>((resolve) => (this.resolveGone = resolve));
    this.outcome = gone.then(async (failure) => {
      this.resolveReady(false);
      const result: Outcome =
        this.reported ??
        (this.terminated
          ? { type: 'stopped', message: GRACE_ENDED }
          : { type: 'crash', error: failure ?? new Error("the module's worker ended without reporting how the module ended") });
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([options.owner.ended, new Promise((r) => (timer = setTimeout(r, END_WAIT_MS)))]);
      clearTimeout(timer);
      await options.owner.close(options.lingerMs);
      return result;
    });
  }

  /**
   * A message from the module's worker. True when it says how the module
   * ended: the worker sends that last, once the module's sockets are closed.
   */
  message(message: WorkerMessage): boolean {
    switch (message.type) {
      case 'ready':
        this.resolveReady(true);
        this.options.onServing?.();
        return false;
      case 'output':
        this.options.onOutput(message.fd, message.bytes);
        return false;
      case 'internal-error':
        this.options.onInternalError(message.message);
        return false;
      case 'denied':
        this.options.onDenied?.(message.what);
        return false;
      default:
        this.reported ??= message;
        this.resolveReady(false);
        return true;
    }
  }

  /** The module's thread is gone (the first call counts); `failure` says why when it did not report. */
  gone(failure?: Error): void {
    this.resolveGone(failure);
  }

  /**
   * Asks the module to stop (its listeners hang up; see ts/host/waiting.ts);
   * if it has not ended after `graceMs`, it is ended: at its next wait, or by
   * terminating its thread.
   */
  stop(graceMs: number): Promise<Outcome> {
    this.options.control.requestStop();
    this.options.owner.wake();
    const timer = setTimeout(() => {
      this.terminated = true;
      // A thread asleep in the transport (the kernel's epoll_wait) cannot be
      // terminated: the end request keeps every wait from sleeping again, so
      // the wake-up cannot be taken and slept through before the terminate lands.
      this.options.control.requestEnd();
      this.options.owner.wake();
      this.options.terminate();
    }, graceMs);
    return this.outcome.finally(() => clearTimeout(timer));
  }
}
