// What the page posts to a module's Web Worker (once, to start it). The
// worker answers with the same messages as the Node worker (WorkerMessage).

import type { ModuleHalfInit } from '../transport/types.js';

export interface BrowserWorkerData {
  module: WebAssembly.Module;
  /** argv, program name first. */
  args: string[];
  env: Record<string, string>;
  /** The virtual network's module half, as its owner described it. */
  transport: ModuleHalfInit;
  /** The ControlBlock's buffer: the stop request and the connection counters. */
  control: SharedArrayBuffer;
}
