// The dedicated Web Worker that runs one module in a browser: the shim for
// everything that is not a socket, the socket host unchanged, and the virtual
// network's module half. It blocks in Atomics.wait (allowed in workers), so
// after the one start message it never returns to its event loop until the
// module has ended.

import { composeImports, ModuleStopped, SocketHost } from '../host/index.js';
import type { WorkerMessage } from '../runtime/types.js';
import { ControlBlock } from '../transport/control-block.js';
import type { SocketTransport } from '../transport/types.js';
import { openVirtualModuleHalf } from '../transport/virtual/module.js';
import type { BrowserWorkerData } from './protocol.js';
import { createBrowserShimRuntime } from './shim-runtime.js';

interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  onmessage: ((event: MessageEvent<BrowserWorkerData>) => void) | null;
  close(): void;
}

const scope = self as unknown as WorkerScope;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function main(data: BrowserWorkerData): void {
  const report = (message: WorkerMessage) => scope.postMessage(message);
  const control = new ControlBlock(data.control);
  let transport: SocketTransport | null = null;
  let host: SocketHost | null = null;
  try {
    let instance: WebAssembly.Instance;
    let runtime;
    try {
      transport = openVirtualModuleHalf(data.transport);
      runtime = createBrowserShimRuntime(data.args, data.env, (fd, bytes) => report({ type: 'output', fd, bytes: bytes.slice() }));
      host = new SocketHost(transport, {
        control,
        onServing: () => report({ type: 'ready' }),
        onInternalError: (error) => report({ type: 'internal-error', message: (error as Error)?.stack ?? String(error) }),
      });
      const imports = composeImports(runtime.imports, runtime.layout, host);
      instance = new WebAssembly.Instance(data.module, imports as unknown as WebAssembly.Imports);
      const { memory, _start } = instance.exports;
      if (!(memory instanceof WebAssembly.Memory)) throw new Error('the module exports no memory');
      if (typeof _start !== 'function') throw new Error('the module exports no _start (is it a WASI command?)');
      host.setMemory(memory);
    } catch (error) {
      report({ type: 'start-error', message: describe(error) });
      return;
    }
    let code: number;
    try {
      code = runtime.start(instance);
    } catch (error) {
      if (error instanceof ModuleStopped) report({ type: 'stopped', message: error.message });
      else report({ type: 'trap', message: describe(error) });
      return;
    }
    report({ type: 'exit', code });
  } finally {
    // As at process exit: every socket the module left open is closed (its
    // output still readable by the clients), then the owner learns nothing follows.
    host?.closeSockets();
    transport?.end();
  }
}

scope.onmessage = (event) => {
  scope.onmessage = null;
  main(event.data);
  scope.close();
};
