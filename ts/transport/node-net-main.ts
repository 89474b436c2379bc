// The main-thread half of the node:net transport: owns the node:net servers and
// sockets, forwards what they do to the worker (node-net.ts) and carries out what
// the worker asks. It never blocks: the worker's requests arrive as messages and
// every socket call here is asynchronous.
//
// Backpressure: a socket is paused while the bytes posted to the worker and not
// yet consumed by the module exceed limits.inbound; the worker bounds its own
// outbound side (send() answers EAGAIN) and learns of progress through
// EV_FLUSHED, sent when socket.write's callback says the bytes left Node.

import net from 'node:net';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { errnoFromNodeCode } from '../wasi/errno.js';
import { counters } from './counters.js';
import {
  Batch,
  CTRL_SEQ,
  CTRL_STOP,
  CTRL_WORDS,
  DEFAULT_LIMITS,
  EV_CONN,
  EV_DATA,
  EV_ERROR,
  EV_FIN,
  EV_FLUSHED,
  EV_GONE,
  EV_SPARE,
  OP_ACCEPT,
  OP_CLOSE,
  OP_NAMES,
  OP_CREDIT,
  OP_END,
  OP_SHUTDOWN,
  OP_WANT_ROOM,
  OP_WRITE,
  SPARE_BYTES,
  type NodeNetLimits,
  type NodeNetWorkerInit,
} from './node-net-protocol.js';
import { SHUT_RD, SHUT_WR, type Handle } from './types.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface TransportStats {
  /** Connections the module accepted. */
  accepted: number;
  /** Connections dropped before the module saw them: its accept backlog was full, or accept(2) failed (EMFILE, ...). */
  refused: number;
  /** Accepted connections the module closed. */
  closed: number;
  /** Accepted connections not yet closed by the module. */
  open: number;
  /** Bytes read from the peers. */
  bytesIn: number;
  /** Bytes handed to the kernel for the peers. */
  bytesOut: number;
}

/** How long a socket the module closed may take to flush before it is destroyed. */
const LINGER_MS = 5000;

interface MainListener {
  server: net.Server;
  /** Connections posted to the worker and not yet accepted. */
  pending: number;
}

interface MainConn {
  socket: net.Socket;
  listener: Handle;
  accepted: boolean;
  /** Bytes posted to the worker and not yet credited back. */
  unconsumed: number;
  /** Bytes of the module's writes not yet handed to the kernel. */
  unflushed: number;
  paused: boolean;
  /** The worker ran out of outbound room: wake it with the next flush. */
  wantsRoom: boolean;
  /** The module shut down reading or closed the handle: inbound bytes are dropped here. */
  discard: boolean;
  released: boolean;
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

export class NodeNetMain {
  /** Actual addresses, port 0 resolved, in the order given to listen(). */
  readonly addresses: readonly ListenAddress[];
  /** Resolves when the worker posts OP_END (it flushed everything it had). */
  readonly ended: Promise<void>;

  private readonly port: MessagePort;
  private workerPort: MessagePort | null;
  private readonly control: SharedArrayBuffer;
  private readonly ctrl: Int32Array;
  private readonly limits: NodeNetLimits;
  private readonly listenerHandles: Handle[] = [];
  private readonly listeners = new Map<Handle, MainListener>();
  private readonly conns = new Map<Handle, MainConn>();
  /** Sockets the module closed that are still flushing. */
  private readonly lingering = new Set<net.Socket>();
  private nextHandle: Handle = 1;
  private readonly events = new Batch();
  private readonly flushed = new Map<Handle, number>();
  private flushScheduled: NodeJS.Immediate | null = null;
  /** The batch being built holds an event that can end a wait of the worker. */
  private wakeWorker = false;
  private readonly counters = { accepted: 0, refused: 0, closed: 0, bytesIn: 0, bytesOut: 0 };
  private resolveEnded!: () => void;
  private destroyed = false;

  /**
   * Opens every listener before the module starts, so port 0 resolves and an
   * address in use is reported with the address. On failure the listeners
   * already opened are closed and the Node error (code EADDRINUSE, ...) is thrown.
   */
  static async listen(addresses: readonly ListenAddress[], limits: Partial<NodeNetLimits> = {}): Promise<NodeNetMain> {
    const servers: net.Server[] = [];
    try {
      for (const address of addresses) servers.push(await listenOne(address));
    } catch (err) {
      for (const server of servers) server.close();
      throw err;
    }
    return new NodeNetMain(servers, { ...DEFAULT_LIMITS, ...limits });
  }

  private constructor(servers: net.Server[], limits: NodeNetLimits) {
    this.limits = limits;
    this.control = new SharedArrayBuffer(CTRL_WORDS * 4);
    this.ctrl = new Int32Array(this.control);
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.workerPort = channel.port2;
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    const addresses: ListenAddress[] = [];
    for (const server of servers) {
      const handle = this.nextHandle++;
      const bound = server.address() as net.AddressInfo;
      const address = { host: bound.address, port: bound.port };
      addresses.push(address);
      this.listenerHandles.push(handle);
      this.listeners.set(handle, { server, pending: 0 });
      server.on('connection', (socket) => this.onConnection(handle, socket));
      server.on('error', (err: NodeJS.ErrnoException) => {
        // Node reports a failed accept(2) as a server error. Out of fds (or a
        // connection that died in the backlog) costs that one connection, as
        // with the kernel's backlog; anything else ends the listener.
        if (err.code === 'EMFILE' || err.code === 'ENFILE' || err.code === 'ECONNABORTED' || err.code === 'ENOBUFS') {
          this.counters.refused++;
          return;
        }
        this.post(EV_ERROR, handle, errnoFromNodeCode(err.code));
      });
    }
    this.addresses = addresses;
    this.port.on('message', (items: (number | Uint8Array)[]) => this.onOps(items));
  }

  /**
   * What the worker half needs; pass it in workerData with `transferList`.
   * Callable once: the worker's end of the channel moves to the worker.
   */
  workerInit(): { init: NodeNetWorkerInit; transferList: MessagePort[] } {
    const port = this.workerPort;
    if (port === null) throw new Error('NodeNetMain.workerInit() called twice');
    this.workerPort = null;
    return {
      init: { port, control: this.control, listeners: [...this.listenerHandles], limits: this.limits },
      transferList: [port],
    };
  }

  stats(): TransportStats {
    const { accepted, refused, closed, bytesIn, bytesOut } = this.counters;
    return { accepted, refused, closed, open: accepted - closed, bytesIn, bytesOut };
  }

  /** Asks the module to stop: blocking waits return and listeners report hangup. */
  stop(): void {
    Atomics.store(this.ctrl, CTRL_STOP, 1);
    Atomics.add(this.ctrl, CTRL_SEQ, 1);
    Atomics.notify(this.ctrl, CTRL_SEQ);
  }

  /**
   * Once the module is gone. Sockets it accepted and left open are ended
   * after their pending writes (as process exit closes fds); whatever has not
   * finished within `lingerMs` (0: at once) is destroyed, and connections never
   * accepted are destroyed at once. Resolves when no socket or server of this
   * transport remains.
   */
  async close(lingerMs = 0): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flushScheduled = null;
    this.stop();
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
    this.workerPort?.close();
    await Promise.all(gone);
  }

  private post(kind: number, handle: Handle, arg: number | Uint8Array): void {
    if (this.destroyed) return;
    this.events.push(kind, handle, arg);
    this.wakeWorker = true;
    this.scheduleFlush();
  }

  /** Wakes a sleeping worker to look again at what was already posted. */
  private wakeNow(): void {
    Atomics.add(this.ctrl, CTRL_SEQ, 1);
    const woken = Atomics.notify(this.ctrl, CTRL_SEQ);
    counters?.add('atomics_notify');
    counters?.add('atomics_notify.woke', woken);
  }

  /** One message and at most one wake-up per turn of the event loop, not per socket event. */
  private scheduleFlush(): void {
    this.flushScheduled ??= setImmediate(() => this.flushEvents());
  }

  private flushEvents(): void {
    this.flushScheduled = null;
    for (const [handle, n] of this.flushed) this.events.push(EV_FLUSHED, handle, n);
    this.flushed.clear();
    if (this.events.empty || this.destroyed) return;
    const { items, transfer } = this.events.take();
    this.port.postMessage(items, transfer);
    counters?.add('msg.posted');
    counters?.add('msg.posted.triples', items.length / 3);
    // The sequence word always moves, so the worker's next wait or poll
    // round takes the batch; a sleeping worker is woken only when the batch
    // can change what it waits for.
    Atomics.add(this.ctrl, CTRL_SEQ, 1);
    if (this.wakeWorker) {
      const woken = Atomics.notify(this.ctrl, CTRL_SEQ);
      counters?.add('atomics_notify');
      counters?.add('atomics_notify.woke', woken);
    }
    this.wakeWorker = false;
  }

  private onConnection(listenerHandle: Handle, socket: net.Socket): void {
    const listener = this.listeners.get(listenerHandle);
    if (!listener || listener.pending >= this.limits.acceptBacklog) {
      this.counters.refused++;
      socket.destroy();
      return;
    }
    listener.pending++;
    const handle = this.nextHandle++;
    const conn: MainConn = {
      socket,
      listener: listenerHandle,
      accepted: false,
      unconsumed: 0,
      unflushed: 0,
      paused: false,
      wantsRoom: false,
      discard: false,
      released: false,
    };
    this.conns.set(handle, conn);
    this.post(EV_CONN, handle, listenerHandle);
    socket.on('data', (chunk: Buffer) => {
      this.counters.bytesIn += chunk.byteLength;
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
      this.post(EV_DATA, handle, owned);
      if (conn.unconsumed > this.limits.inbound && !conn.paused) {
        conn.paused = true;
        socket.pause();
      }
    });
    socket.on('end', () => this.post(EV_FIN, handle, 0));
    socket.on('error', (err: NodeJS.ErrnoException) => this.post(EV_ERROR, handle, errnoFromNodeCode(err.code)));
    // The entry stays until the module closes the handle (or its listener),
    // like a kernel socket whose peer is gone but whose fd is still open.
    socket.on('close', () => this.post(EV_GONE, handle, 0));
  }

  private onOps(items: (number | Uint8Array)[]): void {
    counters?.add('msg.taken');
    for (let i = 0; i + 2 < items.length; i += 3) {
      const kind = items[i] as number;
      const handle = items[i + 1] as Handle;
      const arg = items[i + 2];
      counters?.add(`op.${OP_NAMES[kind]}`);
      if (kind === OP_END) {
        this.resolveEnded();
        continue;
      }
      if (kind === OP_CLOSE && this.listeners.has(handle)) {
        this.closeListener(handle);
        continue;
      }
      const conn = this.conns.get(handle);
      if (!conn) continue; // the module closed it already: a late request
      switch (kind) {
        case OP_WRITE:
          this.write(handle, conn, arg as Uint8Array);
          break;
        case OP_CREDIT:
          conn.unconsumed -= arg as number;
          if (conn.paused && conn.unconsumed <= this.limits.inbound / 2) {
            conn.paused = false;
            conn.socket.resume();
          }
          break;
        case OP_ACCEPT: {
          conn.accepted = true;
          this.counters.accepted++;
          const l = this.listeners.get(conn.listener);
          if (l) l.pending--;
          break;
        }
        case OP_WANT_ROOM:
          if (this.flushed.has(handle)) {
            // Flushed bytes not yet reported: report them with a wake-up.
            this.wakeWorker = true;
            this.scheduleFlush();
          } else if (conn.unflushed < this.limits.outbound) {
            // Reported already, but maybe after the worker last looked.
            this.wakeNow();
          } else {
            conn.wantsRoom = true;
          }
          break;
        case OP_SHUTDOWN:
          if ((arg as number) & SHUT_WR) conn.socket.end();
          if ((arg as number) & SHUT_RD) this.discard(conn);
          break;
        case OP_CLOSE:
          if (conn.accepted) this.counters.closed++;
          this.conns.delete(handle);
          this.release(conn);
          break;
      }
    }
  }

  private write(handle: Handle, conn: MainConn, bytes: Uint8Array): void {
    const n = bytes.byteLength;
    if (conn.socket.destroyed || conn.socket.writableEnded) return;
    conn.unflushed += n;
    counters?.add('socket.write');
    conn.socket.write(bytes, (error) => {
      this.counters.bytesOut += n;
      // Room in the worker's outbound limit matters to it only when it ran
      // out (OP_WANT_ROOM): otherwise the news rides along with the next
      // batch, with no wake-up.
      if (conn.wantsRoom) {
        conn.wantsRoom = false;
        this.wakeWorker = true;
      }
      conn.unflushed -= n;
      this.flushed.set(handle, (this.flushed.get(handle) ?? 0) + n);
      // Written, so the worker may fill it again; the news rides along, no wake-up.
      if (!error && !this.destroyed && bytes.buffer.byteLength === SPARE_BYTES) this.events.push(EV_SPARE, 0, new Uint8Array(bytes.buffer));
      this.scheduleFlush();
    });
  }

  private discard(conn: MainConn): void {
    conn.discard = true;
    if (conn.paused) {
      conn.paused = false;
      conn.socket.resume();
    }
  }

  /**
   * Like close(2): the pending writes go out, then FIN, and the socket is
   * destroyed after; it lingers in `lingering` (bounded by LINGER_MS) so that
   * close() can still reach it.
   */
  private release(conn: MainConn): void {
    if (conn.released) return;
    conn.released = true;
    this.discard(conn);
    const socket = conn.socket;
    if (socket.destroyed) return;
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

  private closeListener(handle: Handle): void {
    const listener = this.listeners.get(handle);
    if (!listener) return;
    this.listeners.delete(handle);
    listener.server.close();
    // Connections the module never accepted die with the listener, as in the kernel.
    for (const [h, conn] of this.conns) {
      if (conn.listener === handle && !conn.accepted) {
        conn.socket.destroy();
        this.conns.delete(h);
      }
    }
  }
}
