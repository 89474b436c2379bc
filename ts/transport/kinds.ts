// The transport kinds, by name: the one place that knows which exist. The
// runtime and the facade choose a kind by name; each kind opens its owner
// half here (on the starting thread) and its module half on the module's
// thread. Kinds load lazily, so a kind that cannot work here costs nothing.

import type { ControlBlock } from './control-block.js';
import type { InstanceListenerOptions, InstanceListeners, ModuleHalfInit, OpenModuleHalf, OwnerOptions, SocketTransport, TransportOwner } from './types.js';

export const TRANSPORTS = ['kernel', 'node-net'] as const;
/**
 * 'kernel': the module's thread makes the socket calls itself, through a
 * Node-API addon, into and out of the module's memory (Linux; native speed).
 * 'node-net': node:net sockets on the starting thread, handed to the module's
 * thread (portable).
 */
export type TransportName = (typeof TRANSPORTS)[number];
/**
 * Kinds whose peers live in the same program, not on TCP, so they are not
 * offered where a TCP address is promised (serve, run, the CLI): 'virtual',
 * the in-memory network of the browser build (clients through VirtualOwner.connect()).
 */
export const IN_PROCESS_KINDS = ['virtual'] as const;
export type KindName = TransportName | (typeof IN_PROCESS_KINDS)[number];

interface Kind {
  /**
   * Its module half can run on the starting thread itself: every call it makes
   * is synchronous and it needs no event loop while the module runs (its owner
   * half then offers stopOnSignals). Otherwise the module needs a thread of its own.
   */
  startingThread: boolean;
  /** Why this kind cannot work here (and what to do), or null when it can. */
  unavailable(): Promise<string | null>;
  openOwner(options: OwnerOptions): Promise<TransportOwner>;
  moduleHalf(): Promise<OpenModuleHalf>;
  /**
   * Listeners for several instances of a module on one address, or why this
   * kind cannot give them (and what to do).
   */
  instances: { open(options: InstanceListenerOptions): Promise<InstanceListeners> } | { unavailable: string };
}

const KINDS: Readonly<Record<KindName, Kind>> = {
  kernel: {
    startingThread: true,
    unavailable: async () => {
      const { loadKernelAddon } = await import('./kernel/addon.js');
      const loaded = loadKernelAddon();
      return 'addon' in loaded ? null : loaded.unavailable;
    },
    openOwner: async (options) => (await import('./kernel/owner.js')).KernelOwner.open(options),
    moduleHalf: async () => (await import('./kernel/module.js')).openKernelModuleHalf,
    // Each instance its own SO_REUSEPORT listeners: the kernel spreads the connections.
    instances: { open: async (options) => (await import('./kernel/owner.js')).KernelInstanceListeners.open(options) },
  },
  'node-net': {
    // node:net sockets live in the starting thread's event loop.
    startingThread: false,
    unavailable: async () => null,
    openOwner: async (options) => (await import('./node-net/owner.js')).NodeNetOwner.open(options),
    moduleHalf: async () => (await import('./node-net/module.js')).openNodeNetModuleHalf,
    // Every byte of every connection passes the starting thread's event loop,
    // which is this kind's bottleneck already: more instances would add cores
    // to the wasm side only, behind the same one thread.
    instances: {
      unavailable:
        'several instances need the kernel transport (each instance its own SO_REUSEPORT listener); node-net carries every connection through the one starting thread, which more instances would not make faster: use --transport kernel (Linux, with the addon), or one instance',
    },
  },
  virtual: {
    startingThread: false,
    unavailable: async () => null,
    openOwner: async (o) => (await import('./virtual/owner.js')).VirtualOwner.open(o),
    moduleHalf: async () => (await import('./virtual/module.js')).openVirtualModuleHalf,
    instances: { unavailable: 'the virtual network runs one instance of a module' },
  },
};

/** In order of preference: the first available one is the default. */
const PREFERENCE: readonly TransportName[] = ['kernel', 'node-net'];

function isKindName(name: unknown): name is KindName {
  return typeof name === 'string' && Object.hasOwn(KINDS, name);
}

/** Why `name` cannot work here, or null. */
export function transportUnavailable(name: KindName): Promise<string | null> {
  return KINDS[name].unavailable();
}

/**
 * The kind to use when none was asked for: the first available in order of
 * preference, and, when a preferred one was passed over, why (one line for the user).
 */
export async function defaultTransport(): Promise<{ name: TransportName; passedOver: string | null }> {
  const reasons: string[] = [];
  for (const name of PREFERENCE) {
    const why = await KINDS[name].unavailable();
    if (why === null) return { name, passedOver: reasons.length > 0 ? reasons.join('; ') : null };
    reasons.push(`the ${name} transport is unavailable (${why})`);
  }
  throw new Error(`no transport can work here: ${reasons.join('; ')}`);
}

/** Whether a module on this kind can run on the starting thread (see Kind.startingThread). */
export function runsOnStartingThread(name: KindName): boolean {
  return KINDS[name].startingThread;
}

/** Why `name` cannot run several instances of a module on one address, or null. */
export function instancesUnavailable(name: KindName): string | null {
  const instances = KINDS[name].instances;
  return 'unavailable' in instances ? instances.unavailable : null;
}

/** The listeners of `options.count` instances on one address; only where instancesUnavailable() is null. */
export function openInstanceListeners(name: KindName, options: InstanceListenerOptions): Promise<InstanceListeners> {
  const instances = KINDS[name].instances;
  if ('unavailable' in instances) throw new Error(`the ${name} transport cannot run several instances: ${instances.unavailable}`);
  return instances.open(options);
}

export function openOwner(name: KindName, options: OwnerOptions): Promise<TransportOwner> {
  return KINDS[name].openOwner(options);
}

/** On the module's thread: the module half for what the owner half's moduleInit() gave. */
export async function openModuleHalf(init: ModuleHalfInit, control: ControlBlock): Promise<SocketTransport> {
  if (!isKindName(init.kind)) throw new Error(`unknown transport kind ${JSON.stringify(init.kind)}`);
  return (await KINDS[init.kind].moduleHalf())(init, control);
}
