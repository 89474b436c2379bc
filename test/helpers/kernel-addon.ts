// The kernel-socket addon in tests: loading it (a test fails with the reason
// when it is unavailable on Linux), guest memory, and a connection accepted
// through it from a node:net client. Every wait is bounded.

import net from 'node:net';
import { constants } from 'node:os';
import { bindIfNeeded, loadKernelAddon, type KernelAddon } from '../../ts/transport/kernel/addon.js';
import { REPO } from './servers.js';
import { sleep, withTimeout } from './echo-client.js';

/** Linux errno values (the addon answers minus these). */
export const E = constants.errno;

/** The compiled addon.ts, for workers and child processes to import. */
export const ADDON_MODULE = `${REPO}dist/ts/transport/kernel/addon.js`;

export function kernelAddon(): KernelAddon {
  const loaded = loadKernelAddon();
  if ('unavailable' in loaded) throw new Error(`kernel addon unavailable: ${loaded.unavailable}`);
  return loaded.addon;
}

/** A wasm module's memory, as the addon sees it: a Uint8Array over memory.buffer. */
export function guestMemory(pages = 1): { memory: WebAssembly.Memory; view: () => Uint8Array } {
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages + 16 });
  return { memory, view: () => new Uint8Array(memory.buffer) };
}

/** (offset, length) pairs. */
export const iov = (...pairs: number[]) => Uint32Array.from(pairs);

/** addon.recv over `mem` and `pairs`: binds them (bindIfNeeded), then reads through the first `count` pairs. */
export function recvInto(addon: KernelAddon, fd: number, mem: Uint8Array, pairs: Uint32Array, count: number, peek: boolean): number {
  bindIfNeeded(addon, mem, pairs);
  return addon.recv(fd, count, peek);
}

/** addon.send from `mem` through the first `count` of `pairs`, bound first. */
export function sendFrom(addon: KernelAddon, fd: number, mem: Uint8Array, pairs: Uint32Array, count: number): number {
  bindIfNeeded(addon, mem, pairs);
  return addon.send(fd, count);
}

/** Retries a nonblocking call while it answers -EAGAIN, up to `ms`. */
export async function retry(what: string, call: () => number, ms = 5000): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const result = call();
    if (result !== -E.EAGAIN) return result;
    if (Date.now() > deadline) throw new Error(`${what}: still -EAGAIN after ${ms} ms`);
    await sleep(2);
  }
}

/** Events reported by one epollWait(timeout 0), as fd → events. */
export function readyNow(addon: KernelAddon, epfd: number): Map<number, number> {
  const out = new Int32Array(64);
  const n = addon.epollWait(epfd, out, 0);
  if (n < 0) throw new Error(`epollWait: ${n}`);
  const ready = new Map<number, number>();
  for (let i = 0; i < n; i++) ready.set(out[2 * i]!, out[2 * i + 1]! >>> 0);
  return ready;
}

export interface Accepted {
  addon: KernelAddon;
  listenFd: number;
  epfd: number;
  port: number;
  /** The accepted connection (registered in epfd by accept); set it to -1 after closing it yourself. */
  fd: number;
  /** Its node:net peer. */
  client: net.Socket;
  close(): void;
}

/** A listener on ip:0, one node:net client connected to it, and the accepted fd. */
export async function acceptedConnection(ip = '127.0.0.1', options: { allowHalfOpen?: boolean } = {}): Promise<Accepted> {
  const addon = kernelAddon();
  const listenFd = addon.listen(ip, 0, 16);
  if (listenFd < 0) throw new Error(`listen ${ip}: ${listenFd}`);
  const epfd = addon.epollCreate();
  const port = addon.localPort(listenFd);
  const client = await withTimeout(`connect to [${ip}]:${port}`, 5000, new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: ip, port, ...options }, () => resolve(s));
    s.once('error', reject);
  }));
  client.on('error', () => {});
  const fd = await retry('accept', () => addon.accept(listenFd, epfd));
  if (fd < 0) throw new Error(`accept: ${fd}`);
  const accepted: Accepted = {
    addon, listenFd, epfd, port, fd, client,
    close() {
      client.destroy();
      // A number closed twice may by then be another part of the process's fd.
      for (const f of [accepted.fd, listenFd, epfd]) if (f >= 0) addon.close(f);
    },
  };
  return accepted;
}
