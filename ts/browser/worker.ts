// The dedicated Web Worker that runs one module in a browser
// (ts/runtime/run-module.ts): the shim for everything that is not a socket,
// the socket host unchanged, and the virtual network's module half. It blocks
// in Atomics.wait (allowed in workers), so after the one start message it
// never returns to its event loop until the module has ended.

import { runModule } from '../runtime/run-module.js';
import type { WorkerMessage } from '../runtime/types.js';
import { openVirtualModuleHalf } from '../transport/virtual/module.js';
import type { BrowserWorkerData } from './protocol.js';
import { createBrowserShimRuntime } from './shim-runtime.js';

interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  onmessage: ((event: MessageEvent<BrowserWorkerData>) => void) | null;
  close(): void;
}

const scope = self as unknown as WorkerScope;

function main(data: BrowserWorkerData): Promise<void> {
  const report = (message: WorkerMessage) => scope.postMessage(message);
  return runModule({
    module: data.module,
    control: data.control,
    blockingListeners: data.blockingListeners,
    report,
    openTransport: () => openVirtualModuleHalf(data.transport),
    policy: data.policy,
    openRuntime: () => createBrowserShimRuntime(data.args, data.env, (fd, bytes) => report({ type: 'output', fd, bytes: bytes.slice() })),
  });
}

scope.onmessage = (event) => {
  scope.onmessage = null;
  void main(event.data).finally(() => scope.close());
};
