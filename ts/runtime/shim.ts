// @bjorn3/browser_wasi_shim as the runtime, in Node: args, env, clocks and
// random from the shim; stdio wired to the process; preopened directories are
// the real directories, read and written through node:fs (shim-fs/), with
// symlinks, rights and fdflags.
//
// The shim's poll_oneoff (busy-waits, one subscription) and its sock_* (throw)
// never run: the socket host owns those imports.

import { readSync, realpathSync, statSync } from 'node:fs';
import { ConsoleStdout, Fd, wasi as shimWasi } from '@bjorn3/browser_wasi_shim';
import { CharacterDevice, openShim } from './shim-base.js';
import { HostDirectory } from './shim-fs/host-directory.js';
import { HostFile } from './shim-fs/host-file.js';
import { fixShimImports } from './shim-fs/imports.js';
import { writeAllSync } from './stdio.js';
import type { RuntimeConfig, WasiRuntime } from './types.js';

/** The process's stdin, read synchronously (the shim has no stdin of its own). */
class NodeStdin extends CharacterDevice {
  override fd_read(size: number) {
    const buffer = new Uint8Array(Math.min(size, 64 * 1024));
    try {
      const n = readSync(0, buffer, 0, buffer.byteLength, null);
      return { ret: shimWasi.ERRNO_SUCCESS, data: buffer.subarray(0, n) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EOF') return { ret: shimWasi.ERRNO_SUCCESS, data: new Uint8Array(0) };
      return { ret: code === 'EAGAIN' ? shimWasi.ERRNO_AGAIN : shimWasi.ERRNO_IO, data: new Uint8Array(0) };
    }
  }
}

function consoleFd(fd: 1 | 2, config: RuntimeConfig): Fd {
  const mode = fd === 1 ? config.stdout : config.stderr;
  switch (mode) {
    case 'inherit':
      return new ConsoleStdout((bytes) => writeAllSync(fd, bytes));
    case 'ignore':
      return new ConsoleStdout(() => {});
    case 'pipe':
      return new ConsoleStdout((bytes) => config.onOutput(fd, bytes));
  }
}

export function createShimRuntime(config: RuntimeConfig): WasiRuntime {
  const preopens = config.preopens.map(({ guest, host }) => {
    let root: string;
    try {
      root = realpathSync(host);
    } catch (error) {
      throw new Error(`--dir ${host}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (error as Error).message}`);
    }
    if (!statSync(root).isDirectory()) throw new Error(`--dir ${host}: not a directory`);
    return HostDirectory.preopen(root, guest);
  });
  const fds: Fd[] = [new NodeStdin(), consoleFd(1, config), consoleFd(2, config), ...preopens];
  const shim = openShim(config.args, config.env, fds);
  fixShimImports(shim.imports, shim.wasi.fds, shim.memory);
  return {
    imports: shim.imports,
    layout: { runtimePreopenFds: preopens.map((_, i) => 3 + i) },
    start(instance) {
      try {
        return shim.start(instance);
      } finally {
        // The files the module left open are the process's descriptors, and
        // its thread goes on (a worker kept for the next module, the CLI's
        // starting thread): closed here, not by the thread's end.
        for (const fd of shim.wasi.fds) if (fd instanceof HostFile) fd.fd_close();
      }
    },
  };
}
