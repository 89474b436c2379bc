// The thread that runs one module: builds the runtime, the transport's module
// half and the socket host, instantiates, runs _start and reports how it
// ended. Started by launch.ts, which posts a WorkerData as the first message.
//
// The module blocks this thread (in the transport's wait()); nothing here
// relies on the worker's event loop until _start has returned.

import { parentPort } from 'node:worker_threads';
import { composeImports, ModuleStopped, SocketHost } from '../host/index.js';
import { ControlBlock } from '../transport/control-block.js';
import { openModuleHalf } from '../transport/kinds.js';
import type { SocketTransport } from '../transport/types.js';
import { countingImports } from './counting-imports.js';
import type { RuntimeConfig, WasiRuntime, WorkerData, WorkerMessage } from './types.js';

const port = parentPort!;
const data = await new Promise<WorkerData>((resolve) => port.once('message', resolve));

function report(message: WorkerMessage): void {
  port.postMessage(message);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function main(): Promise<void> {
  const control = new ControlBlock(data.control);
  let transport: SocketTransport | null = null;
  let host: SocketHost | null = null;
  try {
    const config: RuntimeConfig = {
      ...data.config,
      // Copied, not transferred: the shim reads bytes.byteLength after the sink returns.
      onOutput: (fd, bytes) => report({ type: 'output', fd, bytes }),
    };
    let runtime: WasiRuntime;
    let instance: WebAssembly.Instance;
    try {
      transport = await openModuleHalf(data.transport, control);
      // Only the runtime asked for is loaded: each costs start-up time.
      runtime =
        data.runtime === 'node'
          ? await (await import('./node.js')).createNodeRuntime(config)
          : (await import('./shim.js')).createShimRuntime(config);
      host = new SocketHost(transport, {
        control,
        onServing: () => report({ type: 'ready' }),
        onInternalError: (error) => report({ type: 'internal-error', message: (error as Error)?.stack ?? String(error) }),
      });
      const imports = countingImports(composeImports(runtime.imports, runtime.layout, host));
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
      // A trap, a stack overflow (RangeError), or the shim's proc_raise: the module is dead.
      else report({ type: 'trap', message: describe(error) });
      return;
    }
    report({ type: 'exit', code });
  } finally {
    // As at process exit: every socket the module left open is closed (its
    // pending output still goes out), then the owner learns nothing more follows.
    host?.closeSockets();
    transport?.end();
  }
}

await main();
