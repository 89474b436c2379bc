// The module's thread of a fuzzing session: runs the instances the session
// sends, one after another, and answers each with its InstanceResult. It
// blocks inside an instance (in the transport's waits) like a real module's
// thread, and returns to its event loop only between instances.

import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { runInstance, type InstanceSpec } from './instance.js';
import { Progress } from './progress.js';

export interface FuzzWorkerData {
  progress: SharedArrayBuffer;
  /** The session's trace pipe, or null. */
  traceFd: number | null;
}

const data = workerData as FuzzWorkerData;
const progress = new Progress(data.progress);
const sink = data.traceFd === null ? null : (line: string) => void writeSync(data.traceFd!, `${line}\n`);
const processFds = data.traceFd === null ? [0, 1, 2] : [0, 1, 2, data.traceFd];

parentPort!.on('message', async (spec: InstanceSpec) => {
  parentPort!.postMessage(await runInstance(spec, { progress, sink, processFds }));
});
