// The socket host: the module's fd table and the context every descriptor
// works in. One instance per module instance; synchronous (it runs on the
// module's thread and sleeps there through the transport); it reaches bytes
// only through a SocketTransport. The imports themselves are in
// preview1-imports.ts and epoll-imports.ts; compose.ts puts them together with
// a runtime's.

import { ControlBlock } from '../transport/control-block.js';
import type { Handle, SocketTransport } from '../transport/types.js';
import * as w from '../wasi/index.js';
import { systemClock, type Clock } from './clock.js';
import type { Descriptor, HostContext, WasiFunctions } from './descriptor.js';
import { FdTable } from './fd-table.js';
import { GuestMemory } from './guest-memory.js';
import { RuntimeFd } from './runtime-fd.js';
import { deniedText, NetworkPolicy, type NetworkPolicySpec, type PolicyAction } from './network-policy.js';
import { ConnectionFd, ListenerFd, SocketFd } from './socket-fd.js';
import { ModuleStopped, Waiting } from './waiting.js';
import type { SocketAddress } from '../transport/address.js';

export interface SocketHostOptions {
  /** The stop request and connection counters shared with the owner. Default: a private one. */
  control?: ControlBlock;
  /** Time base for poll and epoll deadlines and the module's REALTIME/MONOTONIC clocks. Default: the system's. */
  clock?: Clock;
  /** Open descriptors at most (stdio and preopens included); past it accept/epoll_create/path_open answer EMFILE. Default 65536. */
  maxFds?: number;
  /**
   * The listeners start blocking (accept sleeps until a connection comes), as
   * programs written for a blocking accept expect (Rust std's
   * `listener.incoming()`). Default false: they start NONBLOCK and
   * fd_fdstat_get says so, as wasmtime hands them over (Go polls a listener
   * only if it reports NONBLOCK). A module can change it with fd_fdstat_set_flags.
   */
  blockingListeners?: boolean;
  /** Called once, when the module first sleeps: it has entered its loop. */
  onServing?: () => void;
  /** Where the module may connect and listen (WASIX sock_connect, sock_bind, sock_listen). Default: nowhere. */
  policy?: NetworkPolicySpec;
  /** Called the first time the policy denies a call for an address (every denial is counted in the stats). */
  onDenied?: (what: string) => void;
  /**
   * Called when something other than the module's input made an import fail
   * (a transport or runtime bug): the import answers EIO instead of throwing.
   */
  onInternalError?: (error: unknown) => void;
}

export interface RuntimeLayout {
  /**
   * The runtime's own numbers of its preopened directories, in order. They
   * appear to the module after the listeners (wasmtime's --tcplisten layout).
   */
  runtimePreopenFds: readonly number[];
}

export class SocketHost implements HostContext {
  readonly table: FdTable;
  readonly memory = new GuestMemory();
  readonly control: ControlBlock;
  readonly clock: Clock;
  readonly waiting: Waiting;
  readonly policy: NetworkPolicy;
  private readonly byHandle = new Map<Handle, SocketFd>();
  private readonly onInternalError: ((error: unknown) => void) | undefined;
  private readonly onDenied: (what: string) => void;
  /** Addresses already reported to onDenied. */
  private readonly deniedSeen = new Set<string>();
  private readonly blockingListeners: boolean;
  private runtime: WasiFunctions | null = null;

  constructor(
    readonly transport: SocketTransport,
    options: SocketHostOptions = {},
  ) {
    this.control = options.control ?? new ControlBlock();
    this.clock = options.clock ?? systemClock;
    this.onInternalError = options.onInternalError;
    this.policy = new NetworkPolicy(options.policy);
    this.onDenied = options.onDenied ?? (() => {});
    this.blockingListeners = options.blockingListeners ?? false;
    const maxFds = options.maxFds ?? 65536;
    if (!Number.isInteger(maxFds) || maxFds < 3) throw new RangeError(`maxFds must be an integer >= 3, got ${maxFds}`);
    this.table = new FdTable(maxFds);
    this.waiting = new Waiting(transport, this.control, options.onServing ?? (() => {}), () => this.listenersChanged());
    transport.onChange = (handle) => this.byHandle.get(handle)?.notifyEpollSets();
  }

  /** Gives the host the module's memory; call right after instantiation, before _start. */
  setMemory(memory: WebAssembly.Memory): void {
    this.memory.set(memory);
  }

  /**
   * Lays out the module's fd table: 0-2 the runtime's stdio, then the
   * transport's listeners at 3, 4, …, then the runtime's preopened directories.
   * composeImports calls this; once per host.
   */
  attachRuntime(runtime: WasiFunctions, layout: RuntimeLayout): void {
    if (this.runtime !== null) throw new Error('this SocketHost already serves a module instance');
    const preopens = layout.runtimePreopenFds;
    if (new Set(preopens).size !== preopens.length || preopens.some((fd) => !Number.isInteger(fd) || fd < 3)) {
      throw new RangeError(`runtimePreopenFds must be distinct runtime fds >= 3, got [${preopens.join(', ')}]`);
    }
    if (3 + this.transport.listeners.length + preopens.length > this.table.maxFds) {
      throw new RangeError(`maxFds ${this.table.maxFds} leaves no room for stdio, the listeners and the preopens`);
    }
    this.runtime = runtime;
    for (let fd = 0; fd < 3; fd++) this.table.place(fd, new RuntimeFd(this, fd, 'stdio'));
    for (const handle of this.transport.listeners) this.table.allocate(this.track(new ListenerFd(this, handle, this, this.blockingListeners)));
    for (const rt of preopens) this.table.allocate(new RuntimeFd(this, rt, 'preopen'));
  }

  /** Closes every socket and epoll set still in the table (the module has ended). Runtime fds stay the runtime's. */
  closeSockets(): void {
    for (const [fd, entry] of Array.from(this.table.entries())) {
      if (entry instanceof RuntimeFd) continue;
      this.table.remove(fd);
      this.release(entry);
    }
  }

  /** The descriptor behind a module fd (as wasm passes it: any i32). */
  descriptor(fd: number): Descriptor | undefined {
    return this.table.get(fd >>> 0);
  }

  // ---- for the descriptors (HostContext, ConnectionTable) -------------------

  /** A new connection's fd: the lowest free number, or -1 when the table is full. */
  allocate(conn: ConnectionFd): number {
    const fd = this.table.allocate(conn);
    if (fd >= 0) this.track(conn);
    return fd;
  }

  get full(): boolean {
    return this.table.full;
  }

  /** A socket the module opened (sock_open): the lowest free number, or -1 when the table is full. */
  adopt(socket: SocketFd): number {
    const fd = this.table.allocate(socket);
    if (fd >= 0) this.track(socket);
    return fd;
  }

  /**
   * The socket at `fd` goes on as `next` (a socket the module opened started
   * to listen or connect): same number, same handle, its epoll registrations
   * and flags carried over, and no right it had dropped regained.
   */
  replaceSocket(fd: number, old: SocketFd, next: SocketFd): void {
    this.table.remove(fd);
    this.table.place(fd, next);
    next.fdflags = old.fdflags;
    next.fd_fdstat_set_rights(old.rightsBase & next.rightsBase, old.rightsInheriting & next.rightsInheriting);
    for (const interest of Array.from(old.interests)) interest.epoll.retarget(interest, next);
    this.track(next);
  }

  /**
   * Whether the policy lets the module `action` `address`. A denial is
   * counted, and reported once per address: the import answers EACCES.
   */
  permits(action: PolicyAction, address: SocketAddress): boolean {
    if (this.policy.allows(action, address)) return true;
    this.control.countDenied();
    const what = deniedText(action, address);
    if (!this.deniedSeen.has(what)) {
      this.deniedSeen.add(what);
      this.onDenied(what);
    }
    return false;
  }

  runtimeHas(name: string): boolean {
    return typeof this.runtime?.[name] === 'function';
  }

  callRuntime(name: string, ...args: unknown[]): number {
    const fn = this.runtime?.[name];
    if (fn === undefined) return w.ERRNO_NOSYS;
    const r = fn(...args);
    return typeof r === 'number' ? r : w.ERRNO_SUCCESS;
  }

  /** Drops what a descriptor holds once it left the table; returns the close result. */
  release(entry: Descriptor): number {
    if (entry instanceof SocketFd) this.byHandle.delete(entry.handle);
    return entry.release();
  }

  // ---- errors ---------------------------------------------------------------

  /**
   * Wraps an import so that a bad pointer or length becomes its errno and
   * nothing else escapes. The wrapper declares as many parameters as `fn`
   * (when it says: a bound method does): wasm calls a JavaScript import whose
   * parameter count matches its signature without V8's generic adaptor, which
   * is measurable on the data path.
   */
  guard(fn: (...args: any[]) => number): (...args: any[]) => number {
    const fail = (error: unknown) => this.errnoOf(error);
    switch (fn.length) {
      case 1:
        return (a: unknown) => { try { return fn(a); } catch (e) { return fail(e); } };
      case 2:
        return (a: unknown, b: unknown) => { try { return fn(a, b); } catch (e) { return fail(e); } };
      case 3:
        return (a: unknown, b: unknown, c: unknown) => { try { return fn(a, b, c); } catch (e) { return fail(e); } };
      case 4:
        return (a: unknown, b: unknown, c: unknown, d: unknown) => { try { return fn(a, b, c, d); } catch (e) { return fail(e); } };
      case 5:
        return (a: unknown, b: unknown, c: unknown, d: unknown, e5: unknown) => { try { return fn(a, b, c, d, e5); } catch (e) { return fail(e); } };
      case 6:
        return (a: unknown, b: unknown, c: unknown, d: unknown, e5: unknown, f: unknown) => {
          try { return fn(a, b, c, d, e5, f); } catch (e) { return fail(e); }
        };
      default:
        return (...args: unknown[]) => { try { return fn(...args); } catch (e) { return fail(e); } };
    }
  }

  private errnoOf(error: unknown): number {
    if (error instanceof w.WasiErrnoError) return error.errno;
    // DataView/TypedArray bounds: a runtime function given a bad pointer.
    if (error instanceof RangeError) return w.ERRNO_FAULT;
    // Ends the module: not an error of the call.
    if (error instanceof ModuleStopped) throw error;
    this.onInternalError?.(error);
    return w.ERRNO_IO;
  }

  private track<T extends SocketFd>(socket: T): T {
    this.byHandle.set(socket.handle, socket);
    return socket;
  }

  /** The stop made every listener hang up: epoll sets watching them must look again. */
  private listenersChanged(): void {
    for (const socket of this.byHandle.values()) if (socket instanceof ListenerFd) socket.notifyEpollSets();
  }
}
