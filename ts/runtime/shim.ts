// @bjorn3/browser_wasi_shim as the runtime, in Node: args, env, clocks and
// random from the shim; stdio wired to the process; preopened directories are
// an in-memory copy of the host directory taken at start.
//
// What works and what does not with preopens: the module sees every regular
// file and directory under the host path (symlinks followed) as they were at
// start, and can read, create, write, rename and delete within that copy. None
// of its changes reach the disk, and later changes on disk are not seen. The
// copy is bounded (MAX_SNAPSHOT_BYTES, MAX_SNAPSHOT_ENTRIES); use the node
// runtime for real file-system access.
//
// The shim's poll_oneoff (busy-waits, one subscription) and its sock_* (throw)
// never run: the socket host owns those imports.

import { readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConsoleStdout, Directory, Fd, File, PreopenDirectory, WASI, wasi as shimWasi, type Inode } from '@bjorn3/browser_wasi_shim';
import { writeAllSync } from './stdio.js';
import type { RuntimeConfig, WasiRuntime } from './types.js';

export const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;
export const MAX_SNAPSHOT_ENTRIES = 100_000;

/** The process's stdin, read synchronously (the shim has no stdin of its own). */
class NodeStdin extends Fd {
  override fd_fdstat_get() {
    return { ret: shimWasi.ERRNO_SUCCESS, fdstat: new shimWasi.Fdstat(shimWasi.FILETYPE_CHARACTER_DEVICE, 0) };
  }

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

class SnapshotBudget {
  bytes = 0;
  entries = 0;

  take(path: string, bytes: number): void {
    this.bytes += bytes;
    this.entries++;
    if (this.bytes > MAX_SNAPSHOT_BYTES || this.entries > MAX_SNAPSHOT_ENTRIES) {
      throw new Error(
        `--dir ${path}: too large for the shim runtime's in-memory copy (limit ${MAX_SNAPSHOT_ENTRIES} entries, ` +
          `${MAX_SNAPSHOT_BYTES >> 20} MiB); use --runtime node`,
      );
    }
  }
}

function snapshot(dir: string, budget: SnapshotBudget): Map<string, Inode> {
  const contents = new Map<string, Inode>();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      continue; // a dangling symlink: nothing to show
    }
    if (stat.isDirectory()) {
      budget.take(path, 0);
      contents.set(name, new Directory(snapshot(path, budget)));
    } else if (stat.isFile()) {
      budget.take(path, stat.size);
      contents.set(name, new File(readFileSync(path)));
    }
  }
  return contents;
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
  const budget = new SnapshotBudget();
  const preopens = config.preopens.map(({ guest, host }) => {
    if (!statSync(host).isDirectory()) throw new Error(`--dir ${host}: not a directory`);
    return new PreopenDirectory(guest, snapshot(host, budget));
  });
  const fds: Fd[] = [new NodeStdin(), consoleFd(1, config), consoleFd(2, config), ...preopens];
  const env = Object.entries(config.env).map(([k, v]) => `${k}=${v}`);
  // debug: false, or the shim logs every call (its default is on).
  const wasi = new WASI([...config.args], env, fds, { debug: false });
  return {
    imports: wasi.wasiImport,
    layout: { runtimePreopenFds: preopens.map((_, i) => 3 + i) },
    start(instance) {
      return wasi.start(instance as unknown as Parameters<WASI['start']>[0]);
    },
  };
}
