// A fuzzing session's instances on the session's own thread ('kernel-here'),
// as the CLI runs a module on the kernel transport: the module blocks this
// thread, so what must go on meanwhile — the real peers, the watch of its
// calls — runs in a worker (here-watcher.ts), and a stop comes as the CLI's
// does: SIGTERM, caught by the addon's handler (owner.stopOnSignals). The end
// that follows is the watcher's (the end word and a wake, what the addon's
// watchdog does when a CLI's grace runs out), so that the session keeps its
// own pace (WATCHDOG_MS) rather than a grace's.

import { once } from 'node:events';
import { writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { KernelModuleInit } from '../../ts/transport/kernel/wire.js';
import type { HereWatcherData, WatcherMessage, WatcherReport } from './here-watcher.js';
import { runInstance } from './instance.js';
import type { Progress } from './progress.js';
import { withRealTransport, type InstanceRunner } from './session.js';

/**
 * Longer than the watcher gives a stopped call (watch.ts): if the native
 * watchdog ever ends the process, the watcher has already failed the session.
 */
const SIGNAL_GRACE_MS = 10_000;

export function openHereRunner(progress: Progress, traceFd: number): InstanceRunner {
  const data: HereWatcherData = { progress: progress.buffer, traceFd };
  const watcher = new Worker(new URL('./here-watcher.js', import.meta.url), { workerData: data });
  // The watcher's SIGTERM may come just after an instance ended (the handler
  // put back): then it is no one's stop, not the session's end.
  const ignoreLateStop = () => {};
  process.on('SIGTERM', ignoreLateStop);
  const sink = (line: string) => void writeSync(traceFd, `${line}\n`);
  return {
    run(base) {
      return withRealTransport('kernel', base, async (owner, control) => {
        const { init } = owner.moduleInit();
        const start: WatcherMessage = { type: 'start', seed: base.seed, addresses: [...owner.addresses], control: control.buffer, wakeFd: (init as KernelModuleInit).wakeFd };
        watcher.postMessage(start);
        await once(watcher, 'message');
        const undo = owner.stopOnSignals!(SIGNAL_GRACE_MS, `fuzz: the stopped module did not end within ${SIGNAL_GRACE_MS} ms\n`);
        let result;
        try {
          result = await runInstance({ ...base, transport: { kind: 'real', init, control: control.buffer, ports: owner.addresses.map((a) => a.port) } }, { progress, sink, processFds: [0, 1, 2, traceFd] });
        } finally {
          undo();
          watcher.postMessage({ type: 'end' });
        }
        const [report] = (await once(watcher, 'message')) as [WatcherReport];
        return { result, failure: null, stopped: report.stopped, peerActions: report.peerActions };
      });
    },
    async close() {
      process.off('SIGTERM', ignoreLateStop);
      await watcher.terminate();
    },
  };
}
