// node:wasi (uvwasi) as the runtime: stdio, args, env, clocks, random and
// preopened directories on the real file system.

import type { WasiFunction } from '../host/index.js';
import { fixUvwasi } from './node-fixes.js';
import { terminatePaths } from './node-paths.js';
import { guardHostProcess } from './node-process-guard.js';
import { fdWriteToSink, outputSink } from './stdio.js';
import type { RuntimeConfig, WasiRuntime } from './types.js';

/**
 * node:wasi warns "WASI is an experimental feature" on first load; the module's
 * stderr is the user's output, so that one warning is dropped. Other warnings
 * are printed as Node would.
 */
function dropWasiExperimentalWarning(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'ExperimentalWarning' && /\bWASI\b/.test(warning.message)) return;
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
}

export async function createNodeRuntime(config: RuntimeConfig): Promise<WasiRuntime> {
  dropWasiExperimentalWarning();
  const { WASI } = await import('node:wasi');
  const preopens: Record<string, string> = {};
  for (const { guest, host } of config.preopens) {
    if (Object.hasOwn(preopens, guest)) throw new Error(`guest path ${guest} is preopened twice`);
    preopens[guest] = host;
  }
  const wasi = new WASI({
    version: 'preview1',
    args: [...config.args],
    env: { ...config.env },
    preopens,
    // 0-2 are the process's own; a captured or ignored stream is taken over in fd_write below.
    stdin: 0,
    stdout: 1,
    stderr: 2,
    returnOnExit: true,
  });
  const original = (wasi.getImportObject() as { wasi_snapshot_preview1: Record<string, WasiFunction> }).wasi_snapshot_preview1;
  const imports: Record<string, WasiFunction> = {};
  for (const [name, fn] of Object.entries(original)) imports[name] = fn.bind(original);

  let memory: WebAssembly.Memory | null = null;
  const currentMemory = () => {
    if (memory === null) throw new Error('node runtime: an import was called before start()');
    return memory;
  };
  // uvwasi numbers preopens from 3 in the order given.
  const runtimePreopenFds = config.preopens.map((_, i) => 3 + i);
  const fixes = fixUvwasi(
    imports,
    config.preopens.map(({ host }, i) => ({ rt: runtimePreopenFds[i]!, host })),
    currentMemory,
  );
  terminatePaths(imports, currentMemory);
  const sinks = [outputSink(1, config.stdout, config.onOutput), outputSink(2, config.stderr, config.onOutput)];
  if (sinks.some((s) => s !== null)) {
    const toSink = sinks.map((s) => (s ? fdWriteToSink(currentMemory, s) : null));
    const fdWrite = imports.fd_write!;
    imports.fd_write = (fd: number, iovs: number, iovsLen: number, nwritten: number) => {
      const own = fd === 1 || fd === 2 ? toSink[fd - 1] : null;
      return own ? own(iovs, iovsLen, nwritten) : fdWrite(fd, iovs, iovsLen, nwritten);
    };
  }

  guardHostProcess(imports);

  return {
    imports,
    layout: { runtimePreopenFds },
    start(instance) {
      memory = instance.exports.memory as WebAssembly.Memory;
      try {
        return wasi.start(instance) ?? 0;
      } finally {
        fixes.closeAll();
      }
    },
  };
}
