// One fuzzing session: one runtime × one transport kind, instance after
// instance until the time is up or something fails. This is the thread that
// starts modules (as ts/runtime/launch.ts): it opens each instance's
// transport owner half, keeps real peers busy on its listeners, and watches
// every call the module's thread makes:
// - a call with a timeout that runs past it (plus slack) is a failure;
// - a call that may wait without a limit (a blocking accept, recv or send, a
//   poll with no clock) makes it stop the module after WATCHDOG_MS, the way an
//   owner does (ControlBlock.requestStop + owner.wake); a call still waiting
//   WATCHDOG_MS into the stop makes it end the module, as when the grace is
//   over (requestEnd + wake), and must then return (or end the module) within
//   STOP_PROMPT_MS;
// - on the memory network (virtual clock, watched from inside) a call that
//   takes HANG_MS of real time is a failure.
// Everything it learns goes to the trace pipe, one line each (fuzz.ts reads it).

import { writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ControlBlock } from '../../ts/transport/control-block.js';
import { openOwner, type TransportName } from '../../ts/transport/kinds.js';
import type { TransportOwner } from '../../ts/transport/types.js';
import type { RuntimeName } from '../../ts/runtime/types.js';
import { REAL_SLACK_MS, WATCHDOG_MS } from './driver.js';
import type { Fault, InstanceResult, InstanceSpec } from './instance.js';
import { NetPeers } from './net-peers.js';
import { Progress, wallNow } from './progress.js';
import { deriveSeed, Rng } from './rng.js';
import type { FuzzWorkerData } from './worker.js';
import { Sandbox } from './sandbox.js';

/** After the end request, how long a call may still take to return. */
const STOP_PROMPT_MS = 1000;
/** The memory network's calls take virtual time; this much real time in one call is a hang. */
const HANG_MS = 3000;
const WATCH_EVERY_MS = 10;
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

export type SessionTransport = TransportName | 'memory';

export interface SessionOptions {
  runtime: RuntimeName;
  transport: SessionTransport;
  seed: number;
  seconds: number;
  fault?: Fault;
  /** The trace pipe (fd 3 of the session's process). */
  traceFd: number;
  /** A path for the session's sandbox, not yet made. */
  sandbox: string;
}

/** What the session writes last: totals over its instances. */
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
  const data: FuzzWorkerData = { progress: progress.buffer, traceFd: o.traceFd };
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
  const summary: SessionSummary = { instances: 0, calls: 0, endings: {}, watchdogStops: 0, worstOverrunMs: 0, worstOverrunCall: '', peerActions: 0, perImport: {}, stoppedCalls: {} };
  const deadline = wallNow() + o.seconds * 1000;
  let seed = o.seed >>> 0;
  let ok = true;
  try {
    while (ok && wallNow() < deadline) {
      sandbox.reset();
      emit('I', { seed, instance: summary.instances });
      const outcome = await runOne({ seed, runtime: o.runtime, sandbox: sandbox.root, deadline, fault: o.fault }, o.transport, worker, progress, o.traceFd).catch(
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
    // A module's thread stuck in native code (a runtime's deadlock) never
    // terminates: after a failure the session ends without waiting for it.
    const terminated = worker.terminate();
    if (ok) await terminated;
  }
  emit('S', summary);
  return ok;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

interface Outcome {
  result: InstanceResult | null;
  failure: { property: string; message: string; trace: string[] } | null;
  stopped: boolean;
  peerActions: number;
}

async function runOne(
  base: Omit<InstanceSpec, 'transport'>,
  transport: SessionTransport,
  worker: Worker,
  progress: Progress,
  traceFd: number,
): Promise<Outcome> {
  const note = (line: string) => void writeSync(traceFd, `P ${line}\n`);
  if (transport === 'memory') {
    return watch({ ...base, transport: { kind: 'memory' } }, [], worker, progress, null, null, note);
  }
  const rng = new Rng(deriveSeed(base.seed, 2));
  const control = new ControlBlock();
  const limits = { inbound: rng.pick([512, 8192, 256 * 1024]), outbound: rng.pick([512, 8192, 256 * 1024]), acceptBacklog: rng.pick([1, 4, 128]) };
  const owner = await openOwner(transport, { listen: [0, 1].map(() => ({ host: '127.0.0.1', port: 0 })), control, limits });
  const { init, transfer } = owner.moduleInit();
  const peers = new NetPeers(owner.addresses, new Rng(deriveSeed(base.seed, 3)), (line) => note(line));
  try {
    const outcome = await watch({ ...base, transport: { kind: 'real', init, control: control.buffer, ports: owner.addresses.map((a) => a.port) } }, transfer, worker, progress, control, owner, note);
    outcome.peerActions = peers.actions;
    return outcome;
  } finally {
    peers.stop();
    await within(owner.ended, END_WAIT_MS);
    if (!(await within(owner.close(0).then(() => true), CLOSE_WAIT_MS))) {
      throw new Error(`the ${transport} transport's owner half did not close within ${CLOSE_WAIT_MS} ms`);
    }
  }
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
    let stopAt: number | null = null;
    let endAt: number | null = null;
    let endedSeq = -1;
    const finish = (outcome: Outcome) => {
      clearInterval(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      resolve(outcome);
    };
    const fail = (property: string, message: string) => {
      // The module's thread is stuck: wake it (a thread asleep in a transport cannot be terminated) and end it.
      owner?.wake();
      void worker.terminate();
      finish({ result: null, failure: { property, message, trace: [] }, stopped: stopAt !== null, peerActions: 0 });
    };
    const onMessage = (result: InstanceResult) => finish({ result, failure: null, stopped: stopAt !== null, peerActions: 0 });
    const onError = (error: Error) => fail('the module runs', `the fuzzing worker failed: ${error.stack ?? error.message}`);
    const onExit = (code: number) => fail('the module runs', `the fuzzing worker exited (${code}) in the middle of an instance`);
    const timer = setInterval(() => {
      const p = progress.read();
      if (!p.inCall) return;
      const took = wallNow() - p.startedAt;
      const call = `call #${p.seq}`;
      if (control === null) {
        if (took > HANG_MS) fail('no call hangs', `${call} has not returned after ${took.toFixed(0)} ms of real time`);
        return;
      }
      if (endAt !== null) {
        // Once the end is requested, the call that was waiting returns and no call waits again.
        if (wallNow() - Math.max(endAt, p.startedAt) > STOP_PROMPT_MS) {
          fail('an ended module waits no more', `${call} has not returned ${STOP_PROMPT_MS} ms after the end request${p.seq === endedSeq ? '' : ' (it began after it)'}`);
        }
        return;
      }
      if (p.limitMs !== null) {
        if (took > p.limitMs + REAL_SLACK_MS) fail('no call waits past its timeout', `${call} has taken ${took.toFixed(0)} ms; its timeout was ${p.limitMs} ms`);
        return;
      }
      if (stopAt === null && took > WATCHDOG_MS) {
        stopAt = wallNow();
        note(`watchdog: ${call} has waited ${WATCHDOG_MS} ms; the owner stops the module`);
        control.requestStop();
        owner!.wake();
      } else if (stopAt !== null && wallNow() - Math.max(stopAt, p.startedAt) > WATCHDOG_MS) {
        endAt = wallNow();
        endedSeq = p.seq;
        progress.markStopped(p.seq);
        note(`watchdog: ${call} still waits ${WATCHDOG_MS} ms into the stop; the owner ends the module`);
        control.requestEnd();
        owner!.wake();
      }
    }, WATCH_EVERY_MS);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(spec, transfer as never[]);
  });
}
