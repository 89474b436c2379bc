// The owner half of the kernel transport, on the thread that starts the
// module: it opens the listening sockets (so port 0 resolves and an address in
// use is reported before the module starts), hands their fds and an eventfd to
// the module half, wakes it, and closes what it left behind.

import type { ControlBlock } from '../control-block.js';
import type { InstanceListenerOptions, InstanceListeners, ListenAddress, OwnerOptions, TransportOwner } from '../types.js';
import { loadKernelAddon, type KernelAddon } from './addon.js';
import { linuxErrnoName } from './linux-errno.js';
import { OpenFdTable, openFdTableBuffer, type KernelModuleInit } from './wire.js';

/** Connections the kernel queues per listener before the module accepts them (capped by net.core.somaxconn). */
const DEFAULT_BACKLOG = 4096;
// Of TransportLimits only acceptBacklog applies here, as listen(2)'s backlog.
// inbound and outbound are ignored: the bytes wait in the kernel's own socket
// buffers (SO_RCVBUF / SO_SNDBUF, sized and autotuned by the kernel), which
// bound them already, and the module half has no queue of its own to limit.

/** A failure to listen, shaped as Node's own (code, syscall, address, port) so the facade names the address. */
function listenFailure(address: ListenAddress, ip: string, errno: number): NodeJS.ErrnoException {
  const code = linuxErrnoName(errno);
  return Object.assign(new Error(`listen ${code} ${ip}:${address.port}`), { code, errno: -errno, syscall: 'listen', address: address.host, port: address.port });
}

const V4_PART = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const V4 = new RegExp(`^(?:${V4_PART}\\.){3}${V4_PART}$`);

/** node:net's isIP() !== 0, without loading node:net and what it loads (a start by address never needs them). */
function isIpAddress(host: string): boolean {
  if (V4.test(host)) return true;
  if (!host.includes(':')) return false;
  try {
    // The URL parser's IPv6 grammar is inet_pton's (RFC 4291, with an embedded IPv4 tail).
    new URL(`http://[${host}]/`);
    return true;
  } catch {
    return false;
  }
}

async function numericAddress(host: string): Promise<string> {
  if (isIpAddress(host)) return host;
  // Only a host name needs the resolver.
  const { lookup } = await import('node:dns/promises');
  return (await lookup(host)).address;
}

/**
 * Each instance's listeners, SO_REUSEPORT on the same addresses: the first
 * instance's resolve port 0, the others bind the port it got.
 */
export class KernelInstanceListeners implements InstanceListeners {
  private closed = false;

  static async open(options: InstanceListenerOptions): Promise<KernelInstanceListeners> {
    const addon = kernelAddon();
    const backlog = options.limits?.acceptBacklog ?? DEFAULT_BACKLOG;
    const first = await openListeners(addon, options.listen, backlog, true);
    const fds: number[][] = [first.fds];
    try {
      for (let instance = 1; instance < options.count; instance++) fds.push((await openListeners(addon, first.addresses, backlog, true)).fds);
    } catch (error) {
      for (const fd of fds.flat()) addon.close(fd);
      throw error;
    }
    return new KernelInstanceListeners(addon, fds, first.addresses);
  }

  private constructor(
    private readonly addon: KernelAddon,
    private readonly fds: readonly (readonly number[])[],
    readonly addresses: readonly ListenAddress[],
  ) {}

  /**
   * Instance `index`'s listeners, as fds of its own (dup): whatever its
   * owner half or module closes, the listener stays open with its queue.
   */
  take(index: number): number[] {
    if (this.closed) throw new Error('kernel transport: the instances\' listeners are closed');
    const copies: number[] = [];
    for (const fd of this.fds[index]!) {
      const copy = this.addon.dup(fd);
      if (copy < 0) {
        for (const c of copies) this.addon.close(c);
        throw new Error(`kernel transport: cannot take instance ${index}'s listener (${linuxErrnoName(-copy)})`);
      }
      copies.push(copy);
    }
    return copies;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of this.fds.flat()) this.addon.close(fd);
  }
}

function kernelAddon(): KernelAddon {
  const loaded = loadKernelAddon();
  if (!('addon' in loaded)) throw new Error(`the kernel transport is unavailable: ${loaded.unavailable}`);
  return loaded.addon;
}

/** Opens each of `listen` (Node-shaped errors: the facade names the address); SO_REUSEPORT for instances. */
async function openListeners(addon: KernelAddon, listen: readonly ListenAddress[], backlog: number, reusePort = false): Promise<{ fds: number[]; addresses: ListenAddress[] }> {
  const fds: number[] = [];
  const addresses: ListenAddress[] = [];
  try {
    for (const address of listen) {
      const ip = await numericAddress(address.host);
      const fd = addon.listen(ip, address.port, backlog, reusePort);
      if (fd < 0) throw listenFailure(address, ip, -fd);
      fds.push(fd);
      addresses.push({ host: ip, port: addon.localPort(fd) });
    }
  } catch (error) {
    for (const fd of fds) addon.close(fd);
    throw error;
  }
  return { fds, addresses };
}

export class KernelOwner implements TransportOwner {
  private endedPromise: Promise<void> | null = null;
  private readonly openFds: OpenFdTable;
  private readonly openFdsBuffer = openFdTableBuffer();
  private readonly wakeOnExit: () => void;
  private closed = false;

  static async open(options: OwnerOptions): Promise<KernelOwner> {
    const addon = kernelAddon();
    const { instance } = options;
    if (instance !== undefined && !(instance.listeners instanceof KernelInstanceListeners)) {
      throw new Error("kernel transport: an instance's listeners must be the kernel transport's");
    }
    const { fds, addresses } =
      instance !== undefined
        ? { fds: (instance.listeners as KernelInstanceListeners).take(instance.index), addresses: [...instance.listeners.addresses] }
        : await openListeners(addon, options.listen, options.limits?.acceptBacklog ?? DEFAULT_BACKLOG);
    const wakeFd = addon.eventfd();
    if (wakeFd < 0) {
      for (const fd of fds) addon.close(fd);
      throw new Error(`kernel transport: cannot make an eventfd (errno ${-wakeFd})`);
    }
    return new KernelOwner(addon, options.control, fds, addresses, wakeFd);
  }

  private constructor(
    private readonly addon: KernelAddon,
    private readonly control: ControlBlock,
    private readonly listenerFds: number[],
    readonly addresses: readonly ListenAddress[],
    private readonly wakeFd: number,
  ) {
    this.openFds = new OpenFdTable(this.openFdsBuffer);
    for (const fd of listenerFds) this.openFds.add(fd);
    // A module's thread asleep in epoll_wait keeps the process from ever
    // exiting (process.exit() and an uncaught exception wait for it): the
    // end request makes it not sleep again, the eventfd wakes it now.
    this.wakeOnExit = () => {
      this.control.requestEnd();
      this.addon.wake(this.wakeFd);
    };
    process.on('exit', this.wakeOnExit);
  }

  /** Looked at only when asked: by then the module half has usually ended, and no wait is needed at all. */
  get ended(): Promise<void> {
    return (this.endedPromise ??= this.openFds.ended());
  }

  moduleInit(): { init: KernelModuleInit; transfer: Transferable[] } {
    return {
      init: { kind: 'kernel', listeners: [...this.listenerFds], wakeFd: this.wakeFd, openFds: this.openFdsBuffer },
      transfer: [],
    };
  }

  wake(): void {
    if (!this.closed) this.addon.wake(this.wakeFd);
  }

  stopOnSignals(graceMs: number, graceLine: string): () => number | null {
    const armed = this.addon.stopOnSignals(this.control.stopWords(), this.wakeFd, graceMs, graceLine);
    if (armed < 0) throw new Error(`kernel transport: cannot stop the module on signals (${linuxErrnoName(-armed)})`);
    return () => this.addon.stopOnSignalsEnd() || null;
  }

  /**
   * The module's thread is gone. What it left open (only when it was
   * terminated: otherwise it closed everything) is closed now, which lets the
   * kernel flush what was sent (the kernel bounds that itself), so `lingerMs`
   * has nothing to wait for.
   */
  async close(_lingerMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    process.off('exit', this.wakeOnExit);
    for (const fd of Array.from(this.openFds.open())) {
      this.openFds.remove(fd);
      this.addon.close(fd);
    }
    this.addon.close(this.wakeFd);
  }
}
