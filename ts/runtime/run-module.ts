// Runs one module on the thread that may block for it (a Node worker thread or
// a browser's Web Worker): opens the transport's module half and the runtime,
// composes the socket host over them, instantiates, runs _start and reports
// how it ended. Each worker supplies only what is its own: how the transport
// and the runtime open, and where the messages go. Nothing here needs Node.

import { composeImports, ModuleStopped, SocketHost, type ComposedImports } from '../host/index.js';
import type { NetworkPolicySpec } from '../host/network-policy.js';
import { ControlBlock } from '../transport/control-block.js';
import type { SocketTransport } from '../transport/types.js';
import type { WasiRuntime, WorkerMessage } from './types.js';

export interface ModuleRun {
  module: WebAssembly.Module;
  /** The ControlBlock's buffer: the stop request and the connection counters. */
  control: SharedArrayBuffer;
  /** The listeners start blocking (SocketHostOptions.blockingListeners). */
  blockingListeners: boolean;
  report(message: WorkerMessage): void;
  openTransport(control: ControlBlock): SocketTransport | Promise<SocketTransport>;
  /** Opened after the transport. */
  openRuntime(): WasiRuntime | Promise<WasiRuntime>;
  /** The imports as the module gets them (the Node worker may count the calls). */
  wrapImports?(imports: ComposedImports): ComposedImports;
  /** Where the module may connect and listen; default: nowhere. */
  policy?: NetworkPolicySpec;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What the worker says last. */
type Ending = Extract<WorkerMessage, { type: 'exit' | 'trap' | 'start-error' | 'stopped' }>;

/**
 * Runs the module and then reports how it ended. The report comes after every
 * socket is closed: the starting thread may end this thread as soon as it
 * hears it (a Web Worker gives no other sign of being done).
 */
export async function runModule(run: ModuleRun): Promise<void> {
  run.report(await runToEnd(run));
}

async function runToEnd(run: ModuleRun): Promise<Ending> {
  const { report } = run;
  const control = new ControlBlock(run.control);
  let transport: SocketTransport | null = null;
  let host: SocketHost | null = null;
  try {
    let runtime: WasiRuntime;
    let instance: WebAssembly.Instance;
    try {
      transport = await run.openTransport(control);
      runtime = await run.openRuntime();
      host = new SocketHost(transport, {
        control,
        blockingListeners: run.blockingListeners,
        onServing: () => report({ type: 'ready' }),
        policy: run.policy,
        onDenied: (what) => report({ type: 'denied', what }),
        onInternalError: (error) => report({ type: 'internal-error', message: (error as Error)?.stack ?? String(error) }),
      });
      const composed = composeImports(runtime.imports, runtime.layout, host);
      const imports = run.wrapImports?.(composed) ?? composed;
      instance = new WebAssembly.Instance(run.module, imports as unknown as WebAssembly.Imports);
      const { memory, _start } = instance.exports;
      if (!(memory instanceof WebAssembly.Memory)) throw new Error('the module exports no memory');
      if (typeof _start !== 'function') throw new Error('the module exports no _start (is it a WASI command?)');
      host.setMemory(memory);
    } catch (error) {
      return { type: 'start-error', message: describe(error) };
    }
    try {
      return { type: 'exit', code: runtime.start(instance) };
    } catch (error) {
      if (error instanceof ModuleStopped) return { type: 'stopped', message: error.message };
      // A trap, a stack overflow (RangeError), or the shim's proc_raise: the module is dead.
      return { type: 'trap', message: describe(error) };
    }
  } finally {
    // As at process exit: every socket the module left open is closed (its
    // pending output still goes out), then the owner learns nothing more follows.
    host?.closeSockets();
    transport?.end();
  }
}
