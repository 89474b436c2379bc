// Several instances of one module behind one address, under one supervisor.
// Each instance has a worker thread, a module and a memory of its own, and
// listeners of its own on the same addresses (the transport's
// InstanceListeners: on the kernel transport SO_REUSEPORT sockets, among
// which the kernel spreads new connections). The supervisor reports them as
// one launch: ready when every instance serves, stats summed and per
// instance, one stop for all with one grace. An instance that ends unasked is
// restarted with backoff, on the same listeners (what queued on them waits
// for the next one); past the limit of restarts in a row, every instance is
// stopped and the launch ends as that instance did.

import type { ConnectionStats } from '../transport/control-block.js';
import { openInstanceListeners } from '../transport/kinds.js';
import type { InstanceListeners } from '../transport/types.js';
import { type InstanceStats, type Launched, type LaunchOptions, type LaunchStats } from './launch.js';
import type { Outcome } from './supervision.js';
import { launchWorker } from './worker-launch.js';

/** How a launch of several instances goes (LaunchOptions.instances). */
export interface InstancePlan {
  count: number;
  /** Restarts in a row an instance may have; when it ends unasked once more, the launch ends. */
  maxRestarts: number;
  /** A module that exits with status 0 by itself ends only its instance (run), instead of being restarted (serve). */
  exitZeroEnds: boolean;
  /** An instance that served this long before it ended starts its count of restarts in a row afresh. */
  steadyMs: number;
  /** The grace the other instances get when the launch gives up on one. */
  graceMs: number;
  /** One line for the user per restart, and when the supervisor gives up. */
  notice(line: string): void;
}

/** The first restart of an instance waits this long; each one in a row twice as long, up to MAX_BACKOFF_MS. */
export const FIRST_BACKOFF_MS = 100;
export const MAX_BACKOFF_MS = 5000;

/** What an instance is at: running (or starting), waiting to restart, or done. */
interface Instance {
  readonly index: number;
  launched: Launched | null;
  timer: ReturnType<typeof setTimeout> | null;
  /** Some incarnation has served. */
  served: boolean;
  /** When the running incarnation first served (null: it has not). */
  servingSince: number | null;
  restarts: number;
  restartsInRow: number;
  /** The counters of its ended incarnations. */
  past: ConnectionStats;
  /** How it ended for good; 'skipped' when the launch stopped while it waited to restart. */
  done: Outcome | 'skipped' | null;
}

const ZERO: ConnectionStats = { accepted: 0, refused: 0, closed: 0, open: 0, bytesIn: 0, bytesOut: 0, connected: 0, denied: 0 };

function add(a: ConnectionStats, b: ConnectionStats): ConnectionStats {
  return {
    accepted: a.accepted + b.accepted,
    refused: a.refused + b.refused,
    closed: a.closed + b.closed,
    open: a.open + b.open,
    bytesIn: a.bytesIn + b.bytesIn,
    bytesOut: a.bytesOut + b.bytesOut,
    connected: a.connected + b.connected,
    denied: a.denied + b.denied,
  };
}

function describe(outcome: Outcome): string {
  switch (outcome.type) {
    case 'exit':
      return `exited with status ${outcome.code}`;
    case 'trap':
      return `trapped (${outcome.message})`;
    case 'start-error':
      return `did not start (${outcome.message})`;
    case 'stopped':
      return `was ended (${outcome.message})`;
    case 'crash':
      return `lost its worker (${outcome.error.message})`;
  }
}

/**
 * What the launch as a whole ended with, once every instance has: the first
 * instance (in order) that did not exit, else the first nonzero exit status,
 * else 0.
 */
function combined(endings: readonly Outcome[]): Outcome {
  return (
    endings.find((o) => o.type !== 'exit') ??
    endings.find((o) => o.type === 'exit' && o.code !== 0) ?? { type: 'exit', code: 0 }
  );
}

export async function launchInstances(options: LaunchOptions): Promise<Launched> {
  const plan = options.instances!;
  const listeners = await openInstanceListeners(options.transport, { listen: options.listen, count: plan.count, limits: options.limits });
  return new Supervisor(options, plan, listeners).start();
}

class Supervisor {
  private readonly instances: Instance[];
  private stopping = false;
  private gaveUp: Outcome | null = null;
  private graceMs: number;
  private readonly outcome: Promise<Outcome>;
  private resolveOutcome!: (outcome: Outcome) => void;
  private readonly ready: Promise<boolean>;
  private resolveReady!: (ready: boolean) => void;

  constructor(
    private readonly options: LaunchOptions,
    private readonly plan: InstancePlan,
    private readonly listeners: InstanceListeners,
  ) {
    this.graceMs = plan.graceMs;
    this.instances = Array.from({ length: plan.count }, (_, index) => ({
      index,
      launched: null,
      timer: null,
      served: false,
      servingSince: null,
      restarts: 0,
      restartsInRow: 0,
      past: ZERO,
      done: null,
    }));
    this.outcome = new Promise((resolve) => (this.resolveOutcome = resolve));
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
    void this.outcome.then(() => this.resolveReady(false));
  }

  async start(): Promise<Launched> {
    const first = this.instances.map((instance) => this.incarnate(instance));
    const started = await Promise.allSettled(first);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) {
      // As a launch of one fails: nothing of it is left, and the error is the first one's.
      this.stopping = true;
      await Promise.all(started.map((s) => (s.status === 'fulfilled' && s.value !== null ? s.value.stop(0) : undefined)));
      this.listeners.close();
      throw failed.reason;
    }
    const signals = this.options.stopOnSignals;
    if (signals) signals.signals.stopUntil(this.outcome, () => void this.stop(signals.graceMs));
    return {
      addresses: this.listeners.addresses,
      ready: this.ready,
      outcome: this.outcome,
      stats: () => this.stats(),
      stop: (graceMs) => this.stop(graceMs),
    };
  }

  /** Starts an incarnation of `instance` (null: the launch stopped first). */
  private incarnate(instance: Instance): Promise<Launched | null> {
    instance.servingSince = null;
    return launchWorker({
      ...this.options,
      thread: 'worker',
      instances: undefined,
      stopOnSignals: undefined,
      onServing: undefined,
      instance: { listeners: this.listeners, index: instance.index },
    }).then((launched) => {
      instance.launched = launched;
      void launched.ready.then((serving) => serving && this.serving(instance));
      void launched.outcome.then((outcome) => this.ended(instance, launched, outcome));
      // A stop that came while it was starting reaches it now.
      if (this.stopping) void launched.stop(this.graceMs);
      return launched;
    });
  }

  private serving(instance: Instance): void {
    instance.servingSince = Date.now();
    if (instance.served) return;
    instance.served = true;
    if (this.instances.every((i) => i.served)) {
      this.resolveReady(true);
      this.options.onServing?.();
    }
  }

  private ended(instance: Instance, launched: Launched, outcome: Outcome): void {
    const { count, maxRestarts } = this.plan;
    const name = `instance ${instance.index + 1} of ${count}`;
    const last = launched.stats();
    instance.past = add(instance.past, { ...last, open: 0 });
    instance.launched = null;
    if (this.stopping || (outcome.type === 'exit' && outcome.code === 0 && this.plan.exitZeroEnds)) {
      this.finish(instance, outcome);
      return;
    }
    // One that cannot start, or exits before it ever served (a usage error), is
    // not a server to restart: the launch ends as one instance would. A trap
    // is restarted even then: a request already queued may have caused it.
    if (outcome.type === 'start-error' || (outcome.type === 'exit' && !instance.served)) {
      this.giveUp(instance, outcome, null);
      return;
    }
    if (instance.servingSince !== null && Date.now() - instance.servingSince >= this.plan.steadyMs) instance.restartsInRow = 0;
    if (instance.restartsInRow >= maxRestarts) {
      this.giveUp(instance, outcome, `${name} ${describe(outcome)}; the limit of restarts in a row (${maxRestarts}) is reached: stopping every instance`);
      return;
    }
    instance.restartsInRow++;
    instance.restarts++;
    const delay = Math.min(FIRST_BACKOFF_MS * 2 ** (instance.restartsInRow - 1), MAX_BACKOFF_MS);
    this.plan.notice(`${name} ${describe(outcome)}; restarting it in ${delay} ms (restart ${instance.restartsInRow} of at most ${maxRestarts} in a row)`);
    instance.timer = setTimeout(() => {
      instance.timer = null;
      this.incarnate(instance).catch((error: unknown) => {
        this.giveUp(instance, { type: 'start-error', message: error instanceof Error ? error.message : String(error) }, `${name} did not restart: stopping every instance`);
      });
    }, delay);
  }

  /** The launch ends as `instance` did: every other instance is stopped with the plan's grace. */
  private giveUp(instance: Instance, outcome: Outcome, line: string | null): void {
    if (line !== null) this.plan.notice(line);
    this.gaveUp ??= outcome;
    this.finish(instance, outcome);
    void this.stop(this.plan.graceMs);
  }

  private finish(instance: Instance, outcome: Outcome | 'skipped'): void {
    instance.done = outcome;
    if (!this.instances.every((i) => i.done !== null)) return;
    this.listeners.close();
    const endings = this.instances.map((i) => i.done).filter((o): o is Outcome => o !== 'skipped');
    this.resolveOutcome(this.gaveUp ?? combined(endings));
  }

  private stop(graceMs: number): Promise<Outcome> {
    if (!this.stopping) {
      this.stopping = true;
      this.graceMs = graceMs;
      for (const instance of this.instances) {
        if (instance.timer !== null) {
          clearTimeout(instance.timer);
          instance.timer = null;
          this.finish(instance, 'skipped');
        } else if (instance.launched !== null) {
          void instance.launched.stop(graceMs);
        }
        // One still starting is stopped once it has (incarnate()).
      }
    }
    return this.outcome;
  }

  private stats(): LaunchStats {
    const each: InstanceStats[] = this.instances.map((i) => ({
      ...add(i.past, i.launched?.stats() ?? ZERO),
      restarts: i.restarts,
    }));
    let sum: ConnectionStats = ZERO;
    for (const s of each) sum = add(sum, s);
    return { ...sum, restarts: each.reduce((n, s) => n + s.restarts, 0), instances: each };
  }
}
