// The owner half of the node:net transport: owns the node:net servers and
// sockets on the thread that started the module, forwards what they do to the
// module half (module.ts) and carries out what it asks. It never blocks: the
// module half's requests arrive as messages and every socket call here is
// asynchronous.
//
// Backpressure: a socket is paused while the bytes posted to the module half
// and not yet consumed by the module exceed limits.inbound; the module half
// bounds its own outbound side (send() answers EAGAIN) and learns of progress
// through NEWS_FLUSHED, sent when socket.write's callback says the bytes left Node.

import net from 'node:net';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { errnoFromNodeCode } from '../../wasi/errno.js';
import type { ControlBlock } from '../control-block.js';
import { counters } from '../counters.js';
import { canonicalIp, type SocketAddress } from '../address.js';
import { SHUT_RD, SHUT_WR, type Handle, type ListenAddress, type OwnerOptions, type TransportOwner } from '../types.js';
import {
  ASK_ACCEPT,
  ASK_CLOSE,
  ASK_CONNECT,
  ASK_CREDIT,
  ASK_END,
  ASK_LISTEN,
  ASK_NAMES,
  ASK_OPTION,
  ASK_SHUTDOWN,
  ASK_WAKE_ON_ROOM,
  ASK_WRITE,
  Batch,
  decodeRequest,
  DEFAULT_LIMITS,
  encodeAddresses,
  NEWS_ADDRESSES,
  NEWS_BYTES,
  NEWS_CONNECTED,
  NEWS_CONNECTION,
  NEWS_ERROR,
  NEWS_FLUSHED,
  NEWS_GONE,
  NEWS_LISTEN_FAILED,
  NEWS_LISTENING,
  NEWS_PEER_FIN,
  NEWS_SPARE,
  SEQ,
  SPARE_BYTES,
  WAKE_WORDS,
  type ConnectRequest,
  type ListenRequest,
  type NodeNetLimits,
  type NodeNetModuleInit,
  type OptionRequest,
} from './wire.js';

/** What peerEnded() writes to learn whether an EOF was a FIN. */
const NOTHING = new Uint8Array(0);

/** How long a socket the module closed may take to flush before it is destroyed. */
const LINGER_MS = 5000;

interface OwnedListener {
  server: net.Server;
  address: ListenAddress;
  /** Connections posted to the module half and not yet accepted. */
  pending: number;
}

interface OwnedConnection {
  socket: net.Socket;
  /** The listener it came from; 0 for one the module dialled. */
  listener: Handle;
  accepted: boolean;
  /** Bytes posted to the module half and not yet credited back. */
  unconsumed: number;
  /** Bytes of the module's writes not yet handed to the kernel. */
  unflushed: number;
  paused: boolean;
  /** The module half ran out of outbound room: wake it with the next flush. */
  wantsRoom: boolean;
  /** The module shut down reading: inbound bytes are dropped here. */
  discard: boolean;
  released: boolean;
  /** Bytes posted and not consumed above which the socket is paused (SO_RCVBUF, as the module may set it). */
  inbound: number;
}

/** A node:net address as the module sees it (canonical IP literal), or null. */
function socketAddress(host: string | undefined, port: number | undefined): SocketAddress | null {
  const canonical = host === undefined ? null : canonicalIp(host);
  if (canonical === null || port === undefined) return null;
  return { family: canonical.includes(':') ? 6 : 4, host: canonical, port };
}

function listenOne(address: ListenAddress): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true });
    const onError = (err: Error) => {
      server.close();
      reject(err);
    };
    server.once('error', onError);
    server.listen({ host: address.host, port: address.port, exclusive: true }, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}

/** Node's accept(2) failures that cost one connection, as the kernel's backlog would, not the listener. */
const ACCEPT_FAILURES: Readonly<Record<string, string>> = {
  EMFILE: 'out of file descriptors',
  ENFILE: 'out of file descriptors (system-wide)',
  ENOBUFS: 'out of memory',
  ECONNABORTED: 'aborted before it was accepted',
};

export class NodeNetOwner implements TransportOwner {
  readonly addresses: readonly ListenAddress[];
  readonly ended: Promise<void>;

  private readonly port: MessagePort;
  private modulePort: MessagePort | null;
  private readonly wakeBuffer = new SharedArrayBuffer(WAKE_WORDS * 4);
  private readonly wakeWord = new Int32Array(this.wakeBuffer);
  private readonly control: ControlBlock;
  private readonly limits: NodeNetLimits;
  private readonly log: (line: string) => void;
  private readonly listenerHandles: Handle[] = [];
  private readonly listeners = new Map<Handle, OwnedListener>();
  private readonly conns = new Map<Handle, OwnedConnection>();
  /** Sockets the module closed that are still flushing. */
  private readonly lingering = new Set<net.Socket>();
  /** Listeners the module asked for whose server is not listening yet. */
  private readonly listenersOpening = new Set<Handle>();
  private nextHandle: Handle = 1;
  private readonly news = new Batch();
  private readonly flushed = new Map<Handle, number>();
  private flushScheduled: NodeJS.Immediate | null = null;
  /** The batch being built holds news that can end a wait of the module half. */
  private wakeModule = false;
  private resolveEnded!: () => void;
  private destroyed = false;

  /**
   * Opens every listener before the module starts, so port 0 resolves and an
   * address in use is reported with the address. On failure the listeners
   * already opened are closed and the Node error (code EADDRINUSE, ...) is thrown.
   */
  static async open(options: OwnerOptions): Promise<NodeNetOwner> {
    const servers: net.Server[] = [];
    try {
      for (const address of options.listen) servers.push(await listenOne(address));
    } catch (err) {
      for (const server of servers) server.close();
      throw err;
    }
    return new NodeNetOwner(servers, options);
  }

  private constructor(servers: net.Server[], options: OwnerOptions) {
    this.control = options.control;
    this.limits = { ...DEFAULT_LIMITS, ...definedOnly(options.limits ?? {}) };
    this.log = options.log ?? (() => {});
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.modulePort = channel.port2;
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    const addresses: ListenAddress[] = [];
    for (const server of servers) {
      const handle = this.nextHandle++;
      const bound = server.address() as net.AddressInfo;
      const address = { host: bound.address, port: bound.port };
      addresses.push(address);
      this.listenerHandles.push(handle);
      this.listeners.set(handle, { server, address, pending: 0 });
      server.on('connection', (socket) => this.onConnection(handle, socket));
      server.on('error', (err: NodeJS.ErrnoException) => {
        // Node reports a failed accept(2) as a server error (libuv has already
        // accepted and closed the connection when out of fds).
        const why = err.code === undefined ? undefined : ACCEPT_FAILURES[err.code];
        if (why !== undefined) {
          this.refuse(address, `${why} (${err.code})`);
          return;
        }
        this.post(NEWS_ERROR, handle, errnoFromNodeCode(err.code));
      });
    }
    this.addresses = addresses;
    this.port.on('message', (items: (number | Uint8Array)[]) => this.onAsks(items));
  }

  moduleInit(): { init: NodeNetModuleInit; transfer: Transferable[] } {
    const port = this.modulePort;
    if (port === null) throw new Error('NodeNetOwner.moduleInit() called twice');
    this.modulePort = null;
    return {
      init: {
        kind: 'node-net',
        port,
        wake: this.wakeBuffer,
        listeners: [...this.listenerHandles],
        addresses: this.listenerHandles.map((h) => {
          const { address } = this.listeners.get(h)!;
          return { family: address.host.includes(':') ? 6 : 4, host: canonicalIp(address.host) ?? address.host, port: address.port };
        }),
        limits: this.limits,
      },
      transfer: [port],
    };
  }

  wake(): void {
    Atomics.add(this.wakeWord, SEQ, 1);
    const woken = Atomics.notify(this.wakeWord, SEQ);
    counters?.add('atomics_notify');
    counters?.add('atomics_notify.woke', woken);
  }

  /**
   * Sockets the module accepted and left open are ended after their pending
   * writes (as process exit closes fds); whatever has not finished within
   * `lingerMs` (0: at once) is destroyed, and connections never accepted are
   * destroyed at once. Resolves when no socket or server of this transport remains.
   */
  async close(lingerMs: number): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flushScheduled = null;
    this.wake();
    const gone: Promise<void>[] = [];
    const whenClosed = (socket: net.Socket) =>
      gone.push(socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve())));
    for (const listener of this.listeners.values()) {
      gone.push(new Promise((resolve) => listener.server.close(() => resolve())));
    }
    this.listeners.clear();
    for (const conn of this.conns.values()) {
      if (lingerMs > 0 && conn.accepted) this.release(conn);
      else {
        whenClosed(conn.socket);
        conn.socket.destroy();
      }
    }
    this.conns.clear();
    for (const socket of this.lingering) {
      whenClosed(socket);
      if (lingerMs > 0) setTimeout(() => socket.destroy(), lingerMs).unref();
      else socket.destroy();
    }
    this.port.close();
    this.modulePort?.close();
    await Promise.all(gone);
  }

  private refuse(address: ListenAddress, why: string): void {
    this.control.countRefused();
    this.log(`refused a connection on ${address.host}:${address.port}: ${why}`);
  }

  private post(kind: number, handle: Handle, arg: number | Uint8Array): void {
    if (this.destroyed) return;
    this.news.push(kind, handle, arg);
    this.wakeModule = true;
    this.scheduleFlush();
  }

  /** One message and at most one wake-up per turn of the event loop, not per socket event. */
  private scheduleFlush(): void {
    this.flushScheduled ??= setImmediate(() => this.flushNews());
  }

  private flushNews(): void {
    this.flushScheduled = null;
    for (const [handle, n] of this.flushed) this.news.push(NEWS_FLUSHED, handle, n);
    this.flushed.clear();
    if (this.news.empty || this.destroyed) return;
    const { items, transfer } = this.news.take();
    this.port.postMessage(items, transfer);
    counters?.add('msg.posted');
    counters?.add('msg.posted.triples', items.length / 3);
    // The sequence word always moves, so the module half's next wait or poll
    // round takes the batch; a sleeping module is woken only when the batch
    // can change what it waits for.
    Atomics.add(this.wakeWord, SEQ, 1);
    if (this.wakeModule) {
      const woken = Atomics.notify(this.wakeWord, SEQ);
      counters?.add('atomics_notify');
      counters?.add('atomics_notify.woke', woken);
    }
    this.wakeModule = false;
  }

  private onConnection(listenerHandle: Handle, socket: net.Socket): void {
    const listener = this.listeners.get(listenerHandle);
    if (!listener || listener.pending >= this.limits.acceptBacklog) {
      if (listener) this.refuse(listener.address, `${listener.pending} connections already wait for accept`);
      socket.destroy();
      return;
    }
    listener.pending++;
    const handle = this.nextHandle++;
    this.own(handle, socket, listenerHandle);
    this.post(NEWS_ADDRESSES, handle, addressesOf(socket));
    this.post(NEWS_CONNECTION, handle, listenerHandle);
  }

  private own(handle: Handle, socket: net.Socket, listener: Handle): OwnedConnection {
    const conn: OwnedConnection = {
      socket,
      listener,
      accepted: listener === 0,
      unconsumed: 0,
      unflushed: 0,
      paused: false,
      wantsRoom: false,
      discard: false,
      released: false,
      inbound: this.limits.inbound,
    };
    this.conns.set(handle, conn);
    this.wire(handle, conn);
    return conn;
  }

  /** What the module half learns of a socket: its bytes, its FIN, its error, its end. */
  private wire(handle: Handle, conn: OwnedConnection): void {
    const { socket } = conn;
    socket.on('data', (chunk: Buffer) => {
      if (conn.released) {
        // Input for a socket the module closed: close(2) would have answered with an RST.
        reset(socket);
        return;
      }
      if (conn.discard) return;
      conn.unconsumed += chunk.byteLength;
      // Socket reads arrive in a Buffer that owns its ArrayBuffer: transfer it.
      // Anything else (a pooled slice) is copied, or the whole pool would be cloned.
      const owned =
        chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
          ? new Uint8Array(chunk.buffer, 0, chunk.byteLength)
          : new Uint8Array(chunk);
      counters?.add(owned.buffer === chunk.buffer ? 'socket.data.transferred' : 'copy.socket_to_msg');
      counters?.add('socket.data.bytes', chunk.byteLength);
      this.post(NEWS_BYTES, handle, owned);
      if (conn.unconsumed > conn.inbound && !conn.paused) {
        conn.paused = true;
        socket.pause();
      }
    });
    socket.on('end', () => this.peerEnded(handle, socket));
    socket.on('error', (err: NodeJS.ErrnoException) => this.post(NEWS_ERROR, handle, errnoFromNodeCode(err.code)));
    // The entry stays until the module closes the handle (or its listener),
    // like a kernel socket whose peer is gone but whose fd is still open.
    socket.on('close', () => this.post(NEWS_GONE, handle, 0));
  }

  /**
   * Node's 'end' is not always the peer's FIN. libuv (before 1.52) takes a
   * hang-up (POLLHUP) that comes with a short read for EOF and does not read
   * again, so bytes followed at once by an RST end in 'end' and the
   * ECONNRESET is never read. A write of nothing asks the kernel what that
   * read would have: it fails with the pending error (Node then emits 'error',
   * posted as NEWS_ERROR) or succeeds after a real FIN, which is posted then.
   * With writes queued, the hang-up already made libuv try them, so an error
   * is on its way in this same batch: the FIN goes at once. After our own
   * SHUT_WR nothing can be written: the FIN is taken as Node says.
   */
  private peerEnded(handle: Handle, socket: net.Socket): void {
    if (socket.writableEnded || socket.writableLength > 0) {
      this.post(NEWS_PEER_FIN, handle, 0);
      return;
    }
    socket.write(NOTHING, (error) => {
      if (!error) this.post(NEWS_PEER_FIN, handle, 0);
    });
  }

  private onAsks(items: (number | Uint8Array)[]): void {
    counters?.add('msg.taken');
    for (let i = 0; i + 2 < items.length; i += 3) {
      const kind = items[i] as number;
      const handle = items[i + 1] as Handle;
      const arg = items[i + 2];
      counters?.add(`ask.${ASK_NAMES[kind]}`);
      if (kind === ASK_END) {
        this.resolveEnded();
        continue;
      }
      if (kind === ASK_CLOSE && this.listeners.has(handle)) {
        this.closeListener(handle);
        continue;
      }
      if (kind === ASK_CLOSE && this.listenersOpening.has(handle)) {
        // Closed while its server was being set up: it closes once listening.
        this.listenersOpening.delete(handle);
        continue;
      }
      if (kind === ASK_LISTEN) {
        this.listenFor(handle, decodeRequest<ListenRequest>(arg as Uint8Array));
        continue;
      }
      if (kind === ASK_CONNECT) {
        this.connectFor(handle, decodeRequest<ConnectRequest>(arg as Uint8Array));
        continue;
      }
      const conn = this.conns.get(handle);
      if (!conn) continue; // the module closed it already: a late request
      switch (kind) {
        case ASK_WRITE:
          this.write(handle, conn, arg as Uint8Array);
          break;
        case ASK_CREDIT:
          conn.unconsumed -= arg as number;
          if (conn.paused && conn.unconsumed <= conn.inbound / 2) {
            conn.paused = false;
            conn.socket.resume();
          }
          break;
        case ASK_ACCEPT: {
          conn.accepted = true;
          const l = this.listeners.get(conn.listener);
          if (l) l.pending--;
          break;
        }
        case ASK_WAKE_ON_ROOM:
          if (this.flushed.has(handle)) {
            // Flushed bytes not yet reported: report them with a wake-up.
            this.wakeModule = true;
            this.scheduleFlush();
          } else if (conn.unflushed < this.limits.outbound) {
            // Reported already, but maybe after the module half last looked.
            this.wake();
          } else {
            conn.wantsRoom = true;
          }
          break;
        case ASK_SHUTDOWN:
          if ((arg as number) & SHUT_WR) conn.socket.end();
          if ((arg as number) & SHUT_RD) this.discard(conn);
          break;
        case ASK_CLOSE:
          this.conns.delete(handle);
          this.release(conn);
          break;
        case ASK_OPTION:
          this.applyOption(conn, decodeRequest<OptionRequest>(arg as Uint8Array));
          break;
      }
    }
  }

  private write(handle: Handle, conn: OwnedConnection, bytes: Uint8Array): void {
    const n = bytes.byteLength;
    if (conn.socket.destroyed || conn.socket.writableEnded) return;
    conn.unflushed += n;
    counters?.add('socket.write');
    conn.socket.write(bytes, (error) => {
      // Room in the module half's outbound limit matters to it only when it
      // ran out (ASK_WAKE_ON_ROOM): otherwise the news rides along with the
      // next batch, with no wake-up.
      if (conn.wantsRoom) {
        conn.wantsRoom = false;
        this.wakeModule = true;
      }
      conn.unflushed -= n;
      this.flushed.set(handle, (this.flushed.get(handle) ?? 0) + n);
      if (!error && !this.destroyed && bytes.buffer.byteLength === SPARE_BYTES) this.news.push(NEWS_SPARE, 0, new Uint8Array(bytes.buffer));
      this.scheduleFlush();
    });
  }

  private discard(conn: OwnedConnection): void {
    conn.discard = true;
    if (conn.paused) {
      conn.paused = false;
      conn.socket.resume();
    }
  }

  /**
   * Like close(2): with input the module did not consume, or input arriving
   * later, the peer gets an RST at once. Otherwise the pending writes go out, then
   * FIN, and the socket is destroyed after; it lingers in `lingering`
   * (bounded by LINGER_MS) so that close() can still reach it.
   */
  private release(conn: OwnedConnection): void {
    if (conn.released) return;
    conn.released = true;
    const socket = conn.socket;
    if (socket.destroyed) return;
    // Closed while still connecting: the attempt is abandoned.
    if (socket.connecting) {
      socket.destroy();
      return;
    }
    if (conn.unconsumed > 0) {
      reset(socket);
      return;
    }
    if (conn.paused) socket.resume();
    this.lingering.add(socket);
    const linger = setTimeout(() => socket.destroy(), LINGER_MS);
    linger.unref();
    socket.once('close', () => {
      clearTimeout(linger);
      this.lingering.delete(socket);
    });
    if (socket.writableFinished) socket.destroy();
    else {
      socket.once('finish', () => socket.destroy());
      socket.end();
    }
  }

  /** A listener for the module (ASK_LISTEN), answered with NEWS_LISTENING or NEWS_LISTEN_FAILED. */
  private listenFor(handle: Handle, { address, backlog }: ListenRequest): void {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true });
    this.listenersOpening.add(handle);
    server.once('error', (err: NodeJS.ErrnoException) => {
      this.listenersOpening.delete(handle);
      server.close();
      this.post(NEWS_LISTEN_FAILED, handle, errnoFromNodeCode(err.code));
    });
    server.listen({ host: address.host, port: address.port, backlog, exclusive: true }, () => {
      if (!this.listenersOpening.delete(handle) || this.destroyed) {
        server.close();
        return;
      }
      server.removeAllListeners('error');
      const port = (server.address() as net.AddressInfo).port;
      const listenAddress = { host: address.host, port };
      this.listeners.set(handle, { server, address: listenAddress, pending: 0 });
      server.on('connection', (socket) => this.onConnection(handle, socket));
      server.on('error', (err: NodeJS.ErrnoException) => {
        const why = err.code === undefined ? undefined : ACCEPT_FAILURES[err.code];
        if (why !== undefined) this.refuse(listenAddress, `${why} (${err.code})`);
        else this.post(NEWS_ERROR, handle, errnoFromNodeCode(err.code));
      });
      this.post(NEWS_LISTENING, handle, port);
    });
  }

  /** A connection for the module (ASK_CONNECT): NEWS_ADDRESSES and NEWS_CONNECTED once made, NEWS_ERROR if refused. */
  private connectFor(handle: Handle, { address, local }: ConnectRequest): void {
    if (this.destroyed) return;
    const socket = net.connect({
      host: address.host,
      port: address.port,
      allowHalfOpen: true,
      ...(local !== null ? { localAddress: local.host, localPort: local.port } : {}),
    });
    this.own(handle, socket, 0);
    socket.once('connect', () => {
      this.post(NEWS_ADDRESSES, handle, addressesOf(socket));
      this.post(NEWS_CONNECTED, handle, 0);
    });
  }

  private applyOption(conn: OwnedConnection, { option, value }: OptionRequest): void {
    if (option === 'no-delay') conn.socket.setNoDelay(value !== 0);
    else if (option === 'keep-alive') conn.socket.setKeepAlive(value !== 0);
    else conn.inbound = value;
  }

  private closeListener(handle: Handle): void {
    const listener = this.listeners.get(handle);
    if (!listener) return;
    this.listeners.delete(handle);
    listener.server.close();
    // Connections the module never accepted die with the listener, as in the kernel.
    for (const [h, conn] of this.conns) {
      if (conn.listener === handle && !conn.accepted) {
        reset(conn.socket);
        this.conns.delete(h);
      }
    }
  }
}

/** A socket's two addresses, for NEWS_ADDRESSES. */
function addressesOf(socket: net.Socket): Uint8Array {
  return encodeAddresses(socketAddress(socket.localAddress, socket.localPort), socketAddress(socket.remoteAddress, socket.remotePort));
}

/**
 * An RST, and the socket gone. Once its FIN is on the way libuv cannot reset
 * it (uv_tcp_close_reset fails, and Node then never closes the handle): it is
 * destroyed instead, which closes the fd at once.
 */
function reset(socket: net.Socket): void {
  if (socket.writableEnded) socket.destroy();
  else socket.resetAndDestroy();
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
