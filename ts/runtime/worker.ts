// The Node worker thread that runs one module (ts/runtime/run-module.ts):
// the transport's module half by kind, the runtime asked for, output and
// messages to the thread that started it. Started by launch.ts, which posts a
// WorkerData as the first message.
//
// The module blocks this thread (in the transport's wait()); nothing here
// relies on the worker's event loop until _start has returned.

import { parentPort } from 'node:worker_threads';
import { openModuleHalf } from '../transport/kinds.js';
import { countingImports } from './counting-imports.js';
import { runModule } from './run-module.js';
import type { RuntimeConfig, WorkerData, WorkerMessage } from './types.js';

const port = parentPort!;
const data = await new Promise<WorkerData>((resolve) => port.once('message', resolve));

function report(message: WorkerMessage): void {
  port.postMessage(message);
}

await runModule({
  module: data.module,
  control: data.control,
  blockingListeners: data.blockingListeners,
  report,
  openTransport: (control) => openModuleHalf(data.transport, control),
  policy: data.policy,
  async openRuntime() {
    const config: RuntimeConfig = {
      ...data.config,
      // Copied, not transferred: the shim reads bytes.byteLength after the sink returns.
      onOutput: (fd, bytes) => report({ type: 'output', fd, bytes }),
    };
    // Only the runtime asked for is loaded: each costs start-up time.
    return data.runtime === 'node' ? (await import('./node.js')).createNodeRuntime(config) : (await import('./shim.js')).createShimRuntime(config);
  },
  wrapImports: countingImports,
});
