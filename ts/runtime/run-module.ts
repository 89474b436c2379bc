// Runs one module on the thread that may block for it (a Node worker thread, a
// browser's Web Worker, or the starting thread itself when the process is the
// module's own): opens the transport's module half and the runtime, composes
// the socket host over them, instantiates, runs _start and reports how it
// ended. Each caller supplies only what is its own: how the transport and the
// runtime open, and where the messages go. Nothing here needs Node.

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

/** What the module's thread says last. */
export type Ending = Extract<WorkerMessage, { type: 'exit' | 'trap' | 'start-error' | 'stopped' }>;

/** A module instantiated over its host, not started yet. */
export interface PreparedModule {
  /**
   * Runs _start to its end (blocking this thread while the module waits),
   * then closes what the module left open. `returned` is called as soon as
   * _start has returned (or thrown), before anything is closed.
   */
  run(returned?: () => void): Ending;
  /** Closes what was opened, without running it. */
  discard(): void;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs the module and then reports how it ended. The report comes after every
 * socket is closed: the starting thread may end this thread as soon as it
 * hears it (a Web Worker gives no other sign of being done).
 */
export async function runModule(run: ModuleRun): Promise<void> {
  const prepared = await prepareModule(run);
  run.report('type' in prepared ? prepared : prepared.run());
}

/** Opens everything and instantiates; a failure on the way is the 'start-error' ending (with nothing left open). */
export async function prepareModule(run: ModuleRun): Promise<PreparedModule | Ending> {
  const { report } = run;
  const control = new ControlBlock(run.control);
  let transport: SocketTransport | null = null;
  let host: SocketHost | null = null;
  // As at process exit: every socket the module left open is closed (its
  // pending output still goes out), then the owner learns nothing more follows.
  const close = () => {
    host?.closeSockets();
    transport?.end();
  };
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
    close();
    return { type: 'start-error', message: describe(error) };
  }
  return {
    run(returned) {
      try {
        let ending: Ending;
        try {
          ending = { type: 'exit', code: runtime.start(instance) };
        } catch (error) {
          // A trap, a stack overflow (RangeError), the shim's proc_raise, or the host ending it: the module is dead.
          ending = error instanceof ModuleStopped ? { type: 'stopped', message: error.message } : { type: 'trap', message: describe(error) };
        }
        returned?.();
        return ending;
      } finally {
        close();
      }
    },
    discard: close,
  };
}
