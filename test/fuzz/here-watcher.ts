// The worker of a 'kernel-here' session (here.ts): while an instance blocks
// the session's thread, it keeps the real peers busy on the listeners and
// watches the calls (watch.ts). It stops the module with SIGTERM, as a user
// stops the CLI, and ends it as the addon's watchdog does when the grace runs
// out (the end word, and a wake); a failure goes to the trace, and the
// process ends (its thread is stuck in the module: nothing else could end it).

import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ControlBlock } from '../../ts/transport/control-block.js';
import { loadKernelAddon, type KernelAddon } from '../../ts/transport/kernel/addon.js';
import type { ListenAddress } from '../../ts/transport/types.js';
import { NetPeers } from './net-peers.js';
import { Progress } from './progress.js';
import { deriveSeed, Rng } from './rng.js';
import { watchCalls, type Watching } from './watch.js';

export interface HereWatcherData {
  progress: SharedArrayBuffer;
  traceFd: number;
}

export type WatcherMessage =
  | { type: 'start'; seed: number; addresses: ListenAddress[]; control: SharedArrayBuffer; wakeFd: number }
  | { type: 'end' };

export interface WatcherReport {
  stopped: boolean;
  peerActions: number;
}

const data = workerData as HereWatcherData;
const progress = new Progress(data.progress);
const note = (line: string) => void writeSync(data.traceFd, `P ${line}\n`);
const port = parentPort!;
const addon = (loadKernelAddon() as { addon: KernelAddon }).addon;

let peers: NetPeers | null = null;
let watching: Watching | null = null;

port.on('message', (message: WatcherMessage) => {
  if (message.type === 'start') {
    peers = new NetPeers(message.addresses, new Rng(deriveSeed(message.seed, 3)), note);
    const control = new ControlBlock(message.control);
    const { wakeFd } = message;
    watching = watchCalls(progress, true, {
      stop: () => process.kill(process.pid, 'SIGTERM'),
      end() {
        control.requestEnd();
        addon.wake(wakeFd);
      },
      fail(property, message_) {
        writeSync(data.traceFd, `F ${JSON.stringify({ seed: message.seed, property, message: message_, trace: [] })}\n`);
        process.kill(process.pid, 'SIGKILL');
      },
      note,
    });
    port.postMessage('started');
  } else {
    peers?.stop();
    const report: WatcherReport = { stopped: watching?.finish() ?? false, peerActions: peers?.actions ?? 0 };
    port.postMessage(report);
  }
});
