// One import object out of a runtime's (node:wasi, browser_wasi_shim) and the
// socket host's. The module sees one fd table, the host's: every runtime
// import that takes an fd gets the runtime's number for it, and an fd the
// runtime does not know (a socket, an epoll set) never reaches the runtime.

import * as w from '../wasi/index.js';
import type { WasiFunction, WasiFunctions } from './descriptor.js';
import { EpollImports } from './epoll-imports.js';
import { Preview1Imports } from './preview1-imports.js';
import { WasixSocketImports } from './wasix-sockets.js';
import type { RuntimeLayout, SocketHost } from './socket-host.js';

export interface ComposedImports {
  wasi_snapshot_preview1: Record<string, WasiFunction>;
  wasix_32v1: Record<string, WasiFunction>;
}

/**
 * The other preview1 imports that take fds: which arguments are fds, and the
 * answer when one names a stream (a socket, an epoll set, stdio: what Linux
 * says for the same call on a socket or a pipe).
 */
const ROUTED: Readonly<Record<string, { fdArgs: readonly number[]; onStream: number }>> = {
  fd_advise: { fdArgs: [0], onStream: w.ERRNO_SPIPE },
  fd_allocate: { fdArgs: [0], onStream: w.ERRNO_SPIPE },
  fd_datasync: { fdArgs: [0], onStream: w.ERRNO_INVAL },
  fd_filestat_set_size: { fdArgs: [0], onStream: w.ERRNO_INVAL },
  fd_filestat_set_times: { fdArgs: [0], onStream: w.ERRNO_INVAL },
  fd_pread: { fdArgs: [0], onStream: w.ERRNO_SPIPE },
  fd_pwrite: { fdArgs: [0], onStream: w.ERRNO_SPIPE },
  fd_readdir: { fdArgs: [0], onStream: w.ERRNO_NOTDIR },
  fd_seek: { fdArgs: [0], onStream: w.ERRNO_SPIPE },
  fd_sync: { fdArgs: [0], onStream: w.ERRNO_INVAL },
  fd_tell: { fdArgs: [0], onStream: w.ERRNO_SPIPE },
  path_create_directory: { fdArgs: [0], onStream: w.ERRNO_NOTDIR },
  path_filestat_get: { fdArgs: [0], onStream: w.ERRNO_NOTDIR },
  path_filestat_set_times: { fdArgs: [0], onStream: w.ERRNO_NOTDIR },
  path_link: { fdArgs: [0, 4], onStream: w.ERRNO_NOTDIR },
  path_readlink: { fdArgs: [0], onStream: w.ERRNO_NOTDIR },
  path_remove_directory: { fdArgs: [0], onStream: w.ERRNO_NOTDIR },
  path_rename: { fdArgs: [0, 3], onStream: w.ERRNO_NOTDIR },
  path_symlink: { fdArgs: [2], onStream: w.ERRNO_NOTDIR },
  path_unlink_file: { fdArgs: [0], onStream: w.ERRNO_NOTDIR },
};

/**
 * The (pointer, length) argument pairs of the runtime's imports: a buffer or
 * a path in the module's memory. Each is checked to lie in memory (EFAULT)
 * before the runtime sees it, and passed on as u32s: browser_wasi_shim took
 * a pointer past 2^31 (negative in JavaScript) for an index from the end of
 * memory and cut a range running past the end short (random_get filled the
 * wrong bytes, up to all of memory; a path lost its tail), and uvwasi
 * answered EOVERFLOW. (path_open is the host's, and checks its path itself.)
 */
const BUFFERS: Readonly<Record<string, readonly (readonly [number, number])[]>> = (() => {
  const buffers: Record<string, (readonly [number, number])[]> = { random_get: [[0, 1]], fd_readdir: [[1, 2]] };
  for (const [name, paths] of Object.entries(w.PATH_ARGS)) {
    if (name !== 'path_open') buffers[name] = paths.map(({ ptr, len }) => [ptr, len] as const);
  }
  // The link's contents go to a buffer of the module's.
  buffers.path_readlink!.push([3, 4]);
  return buffers;
})();

/** They end the module by throwing (the runtime's exit exception): never wrapped. */
const THROWS_BY_DESIGN = new Set(['proc_exit', 'proc_raise']);

/** The names of an imports class's methods: each is an import of that name. */
function importNames(cls: { prototype: object }): string[] {
  return Object.getOwnPropertyNames(cls.prototype).filter((name) => name !== 'constructor');
}

/** The preview1 imports the host owns (for the others it routes fds to the runtime). */
const HOST_PREVIEW1_IMPORTS: readonly string[] = importNames(Preview1Imports);

/** A class's import methods, bound and guarded, by name. */
function installed(host: SocketHost, imports: object, names: readonly string[]): Record<string, WasiFunction> {
  const out: Record<string, WasiFunction> = {};
  for (const name of names) {
    const method = (imports as Record<string, (...args: unknown[]) => number>)[name]!;
    out[name] = host.guard(method.bind(imports));
  }
  return out;
}

/**
 * Lays out the host's fd table for this runtime (stdio 0-2, listeners from 3,
 * then the runtime's preopened directories) and returns the module's imports.
 * Call once per host, before instantiation; then `host.setMemory(memory)`.
 */
export function composeImports(runtimeImports: WasiFunctions, layout: RuntimeLayout, host: SocketHost): ComposedImports {
  const runtime: Record<string, WasiFunction> = {};
  for (const [name, fn] of Object.entries(runtimeImports)) {
    if (typeof fn === 'function') runtime[name] = fn.bind(runtimeImports);
  }
  host.attachRuntime(runtime, layout);

  const preview1: Record<string, WasiFunction> = {};
  for (const [name, fn] of Object.entries(runtime)) {
    if (THROWS_BY_DESIGN.has(name)) preview1[name] = fn;
    else preview1[name] = host.guard(toRuntime(host, fn, ROUTED[name], BUFFERS[name]));
  }
  Object.assign(preview1, installed(host, new Preview1Imports(host), HOST_PREVIEW1_IMPORTS));

  return {
    wasi_snapshot_preview1: preview1,
    wasix_32v1: {
      ...installed(host, new EpollImports(host), importNames(EpollImports)),
      ...installed(host, new WasixSocketImports(host), importNames(WasixSocketImports)),
    },
  };
}

/** A runtime import as the module calls it: its fds routed to the runtime's numbers, its buffers checked. */
function toRuntime(
  host: SocketHost,
  fn: WasiFunction,
  route: { fdArgs: readonly number[]; onStream: number } | undefined,
  buffers: readonly (readonly [number, number])[] | undefined,
): (...args: unknown[]) => number {
  return (...args: unknown[]): number => {
    for (const i of route?.fdArgs ?? []) {
      const entry = host.descriptor(args[i] as number);
      if (entry === undefined) return w.ERRNO_BADF;
      if (entry.runtimeFile === null) return route!.onStream;
      args[i] = entry.runtimeFile;
    }
    for (const [ptr, len] of buffers ?? []) {
      args[ptr] = w.u32(args[ptr]);
      args[len] = w.u32(args[len]);
      w.checkRange(host.memory.view(), args[ptr] as number, args[len] as number);
    }
    return asErrno(fn(...args));
  };
}


/** Some runtime functions (browser_wasi_shim's sched_yield, random_get) return nothing: success. */
function asErrno(result: unknown): number {
  return typeof result === 'number' ? result : w.ERRNO_SUCCESS;
}
