// The Node worker thread that runs modules (ts/runtime/run-module.ts), one
// at a time: the transport's module half by kind, the runtime asked for,
// output and messages to the thread that started it. worker-launch.ts posts
// a WorkerData per module, and only once the previous one has said how it
// ended (worker-pool.ts keeps a worker for the next module).
//
// The module blocks this thread (in the transport's wait()); nothing here
// relies on the worker's event loop until _start has returned.

import { parentPort } from 'node:worker_threads';
import { openModuleHalf } from '../transport/kinds.js';
import { countingImports } from './counting-imports.js';
import { openRuntime } from './open-runtime.js';
import { runModule } from './run-module.js';
import type { WorkerData, WorkerMessage } from './types.js';

const port = parentPort!;

function report(message: WorkerMessage): void {
  port.postMessage(message);
}

port.on('message', (data: WorkerData) => {
  void runModule({
    module: data.module,
    control: data.control,
    blockingListeners: data.blockingListeners,
    report,
    openTransport: (control) => openModuleHalf(data.transport, control),
    policy: data.policy,
    // Copied, not transferred: the shim reads bytes.byteLength after the sink returns.
    openRuntime: () => openRuntime(data.runtime, { ...data.config, onOutput: (fd, bytes) => report({ type: 'output', fd, bytes }) }),
    wrapImports: countingImports,
  });
});
