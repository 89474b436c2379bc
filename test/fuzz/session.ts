// One fuzzing session: one runtime × one transport kind, instance after
// instance until the time is up or something fails. This is the thread that
// starts modules (as ts/runtime/launch.ts): it opens each instance's
// transport owner half, keeps real peers busy on its listeners, and watches
// every call the module's thread makes (watch.ts). The instances run in a
// worker (below), or, for 'kernel-here', on this very thread, as the CLI runs
// a module on the kernel transport (here.ts).
// Everything it learns goes to the trace pipe, one line each (fuzz.ts reads it).

import { writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ControlBlock } from '../../ts/transport/control-block.js';
import { openOwner, type TransportName } from '../../ts/transport/kinds.js';
import type { TransportOwner } from '../../ts/transport/types.js';
import type { RuntimeName } from '../../ts/runtime/types.js';
import type { Fault, InstanceResult, InstanceSpec } from './instance.js';
import { NetPeers } from './net-peers.js';
import { Progress, wallNow } from './progress.js';
import { watchCalls } from './watch.js';
import { deriveSeed, Rng } from './rng.js';
import type { FuzzWorkerData } from './worker.js';
import { Sandbox } from './sandbox.js';

/** How long an owner waits for the module half's last flush. */
const END_WAIT_MS = 1000;
/** How long an owner may take to close once the module half has ended. */
const CLOSE_WAIT_MS = 5000;

/** `promise`'s value, or undefined once `ms` passed. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A transport kind, the in-thread memory network, or 'kernel-here': the
 * kernel transport with the module on the session's own thread, stopped by
 * SIGTERM through the addon (the CLI's way).
 */
export type SessionTransport = TransportName | 'memory' | 'kernel-here';

export interface SessionOptions {
  runtime: RuntimeName;
  transport: SessionTransport;
  seed: number;
  seconds: number;
  fault?: Fault;
  /** Calls to make at least, going on past `seconds` for up to MIN_CALLS_OVERTIME times it. */
  minCalls?: number;
  /** The trace pipe (fd 3 of the session's process). */
  traceFd: number;
  /** A path for the session's sandbox, not yet made. */
  sandbox: string;
}

/** What the session writes last: totals over its instances. */
/** How many times its share of the time a session may go on to make its minCalls. */
export const MIN_CALLS_OVERTIME = 4;

export interface SessionSummary {
  instances: number;
  calls: number;
  endings: Record<string, number>;
  watchdogStops: number;
  worstOverrunMs: number;
  /** That call, with the seed of its instance. */
  worstOverrunCall: string;
  peerActions: number;
  perImport: Record<string, number>;
  /** What the calls waiting when the watchdog ended the module returned (ModuleStopped: they ended it). */
  stoppedCalls: Record<string, number>;
}

export async function runSession(o: SessionOptions): Promise<boolean> {
  const emit = (kind: string, value: unknown) => void writeSync(o.traceFd, `${kind} ${JSON.stringify(value)}\n`);
  const progress = new Progress();
  const sandbox = new Sandbox(o.sandbox);
  process.chdir(sandbox.cwd);
  // Loaded only for its sessions: it brings the runtimes onto this thread.
  const runner = o.transport === 'kernel-here' ? (await import('./here.js')).openHereRunner(progress, o.traceFd) : workerRunner(o.transport, progress, o.traceFd);
  const summary: SessionSummary = { instances: 0, calls: 0, endings: {}, watchdogStops: 0, worstOverrunMs: 0, worstOverrunCall: '', peerActions: 0, perImport: {}, stoppedCalls: {} };
  const share = o.seconds * 1000;
  const deadline = wallNow() + share;
  const lastDeadline = deadline + (o.minCalls ? MIN_CALLS_OVERTIME * share : 0);
  let seed = o.seed >>> 0;
  let ok = true;
  try {
    for (;;) {
      const now = wallNow();
      const more = now < deadline || (summary.calls < (o.minCalls ?? 0) && now < lastDeadline);
      if (!ok || !more) break;
      // Past the share, each further instance gets at most a second of it.
      const instanceDeadline = now < deadline ? deadline : Math.min(lastDeadline, now + 1000);
      sandbox.reset();
      emit('I', { seed, instance: summary.instances });
      const outcome = await runner.run({ seed, runtime: o.runtime, sandbox: sandbox.root, deadline: instanceDeadline, fault: o.fault }).catch(
        (error: unknown): Outcome => ({
          result: null,
          failure: { property: 'the transport opens and closes', message: error instanceof Error ? (error.stack ?? error.message) : String(error), trace: [] },
          stopped: false,
          peerActions: 0,
        }),
      );
      summary.instances++;
      const r = outcome.result;
      if (outcome.stopped || r?.watchdogStopped) summary.watchdogStops++;
      if (r !== null) {
        summary.calls += r.calls;
        summary.endings[r.ending] = (summary.endings[r.ending] ?? 0) + 1;
        if (r.worstOverrunMs > summary.worstOverrunMs) {
          summary.worstOverrunMs = r.worstOverrunMs;
          summary.worstOverrunCall = `seed ${seed}: ${r.worstOverrunCall}`;
        }
        summary.peerActions += r.peerActions;
        addCounts(summary.perImport, r.perImport);
        addCounts(summary.stoppedCalls, r.stoppedCalls);
      }
      summary.peerActions += outcome.peerActions;
      const escaped = sandbox.escaped();
      const failure = outcome.failure ?? r?.failure ?? (escaped === null ? null : { property: 'nothing outside the preopened directory changes', message: escaped, trace: [] });
      if (failure !== null) {
        emit('F', { seed, ...failure });
        ok = false;
      }
      seed = deriveSeed(seed, 0);
    }
  } finally {
    process.chdir(tmpdir());
    sandbox.remove();
    await runner.close(ok);
  }
  emit('S', summary);
  return ok;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

export interface Outcome {
  result: InstanceResult | null;
  failure: { property: string; message: string; trace: string[] } | null;
  stopped: boolean;
  peerActions: number;
}

/** How a session runs its instances: in a worker (workerRunner), or on its own thread (here.ts). */
export interface InstanceRunner {
  run(base: Omit<InstanceSpec, 'transport'>): Promise<Outcome>;
  /** After the last instance; `ok`: nothing failed, so its threads may be waited for. */
  close(ok: boolean): Promise<void>;
}

/** The session's trace line for something that happened meanwhile (a peer's action, a stop). */
export const noteTo = (traceFd: number) => (line: string) => void writeSync(traceFd, `P ${line}\n`);

/**
 * An owner half of `kind` with two listeners, tuned from the instance's seed,
 * for the time `body` runs an instance over it; closed after, bounded in time.
 */
export async function withRealTransport(
  kind: TransportName,
  base: Omit<InstanceSpec, 'transport'>,
  body: (owner: TransportOwner, control: ControlBlock) => Promise<Outcome>,
): Promise<Outcome> {
  const rng = new Rng(deriveSeed(base.seed, 2));
  const control = new ControlBlock();
  const limits = { inbound: rng.pick([512, 8192, 256 * 1024]), outbound: rng.pick([512, 8192, 256 * 1024]), acceptBacklog: rng.pick([1, 4, 128]) };
  const owner = await openOwner(kind, { listen: [0, 1].map(() => ({ host: '127.0.0.1', port: 0 })), control, limits });
  try {
    return await body(owner, control);
  } finally {
    await within(owner.ended, END_WAIT_MS);
    if (!(await within(owner.close(0).then(() => true), CLOSE_WAIT_MS))) {
      throw new Error(`the ${kind} transport's owner half did not close within ${CLOSE_WAIT_MS} ms`);
    }
  }
}

/** Instances on a worker of the session's (worker.ts), as serve() and run() run modules. */
function workerRunner(transport: Exclude<SessionTransport, 'kernel-here'>, progress: Progress, traceFd: number): InstanceRunner {
  const data: FuzzWorkerData = { progress: progress.buffer, traceFd };
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
  const note = noteTo(traceFd);
  return {
    run(base) {
      if (transport === 'memory') return watch({ ...base, transport: { kind: 'memory' } }, [], worker, progress, null, null, note);
      return withRealTransport(transport, base, async (owner, control) => {
        const { init, transfer } = owner.moduleInit();
        const peers = new NetPeers(owner.addresses, new Rng(deriveSeed(base.seed, 3)), note);
        try {
          const outcome = await watch({ ...base, transport: { kind: 'real', init, control: control.buffer, ports: owner.addresses.map((a) => a.port) } }, transfer, worker, progress, control, owner, note);
          outcome.peerActions = peers.actions;
          return outcome;
        } finally {
          peers.stop();
        }
      });
    },
    async close(ok) {
      // A module's thread stuck in native code (a runtime's deadlock) never
      // terminates: after a failure the session ends without waiting for it.
      const terminated = worker.terminate();
      if (ok) await terminated;
    },
  };
}

/** Runs one instance on the worker and watches its calls until it answers. */
function watch(
  spec: InstanceSpec,
  transfer: Transferable[],
  worker: Worker,
  progress: Progress,
  control: ControlBlock | null,
  owner: TransportOwner | null,
  note: (line: string) => void,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const finish = (outcome: Omit<Outcome, 'stopped'>) => {
      const stopped = watching.finish();
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      resolve({ ...outcome, stopped });
    };
    const fail = (property: string, message: string) => {
      // The module's thread is stuck: wake it (a thread asleep in a transport cannot be terminated) and end it.
      owner?.wake();
      void worker.terminate();
      finish({ result: null, failure: { property, message, trace: [] }, peerActions: 0 });
    };
    const onMessage = (result: InstanceResult) => finish({ result, failure: null, peerActions: 0 });
    const onError = (error: Error) => fail('the module runs', `the fuzzing worker failed: ${error.stack ?? error.message}`);
    const onExit = (code: number) => fail('the module runs', `the fuzzing worker exited (${code}) in the middle of an instance`);
    const watching = watchCalls(progress, control !== null, {
      stop() {
        control!.requestStop();
        owner!.wake();
      },
      end() {
        control!.requestEnd();
        owner!.wake();
      },
      fail,
      note,
    });
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(spec, transfer as never[]);
  });
}
