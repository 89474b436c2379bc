// The worker half of the node:net transport: a SocketTransport for the host that
// runs next to the wasm module. The sockets live on the main thread
// (node-net-main.ts); this side keeps per-handle state built from main's events
// and answers the host synchronously from it.
//
// The worker never returns to its event loop while the module runs, so main's
// messages are taken with receiveMessageOnPort, and blocking is an Atomics.wait
// on the control block's sequence word, which main bumps after every batch.
// Requests to main (writes, shutdowns, closes, credits) are batched and posted
// at every wait() (the host calls wait(0) at the top of each poll_oneoff and
// epoll_wait, so a busy module flushes once per round), or when enough bytes
// piled up.

import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { counters } from './counters.js';
import { ERRNO_AGAIN, ERRNO_BADF, ERRNO_CANCELED, ERRNO_INVAL, ERRNO_NOTCONN, ERRNO_PIPE } from '../wasi/defs.js';
import {
  Batch,
  CTRL_SEQ,
  CTRL_STOP,
  EV_CONN,
  EV_DATA,
  EV_ERROR,
  EV_FIN,
  EV_FLUSHED,
  EV_GONE,
  EV_NAMES,
  EV_SPARE,
  OP_ACCEPT,
  OP_CLOSE,
  OP_CREDIT,
  OP_WANT_ROOM,
  OP_END,
  OP_SHUTDOWN,
  OP_WRITE,
  SPARE_BYTES,
  type NodeNetLimits,
  type NodeNetWorkerInit,
} from './node-net-protocol.js';
import { SHUT_RD, SHUT_RDWR, SHUT_WR, type Handle, type Readiness, type SocketTransport } from './types.js';
import { ChunkQueue } from './chunk-queue.js';

/** Outbound bytes that make the worker post its batch without waiting to block. */
const OUT_BATCH_BYTES = 64 * 1024;
/** Spare outbound buffers kept at most (EV_SPARE); more are left to the GC. */
const MAX_SPARES = 32;

class WorkerListener {
  readonly pending: Handle[] = [];
  head = 0;
  error = 0;

  get count(): number {
    return this.pending.length - this.head;
  }

  shift(): Handle {
    const handle = this.pending[this.head++]!;
    // Compact now and then so a burst of connections costs O(1) per accept.
    if (this.head >= 1024 && this.head * 2 >= this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
    return handle;
  }
}

class WorkerConn {
  readonly inbound = new ChunkQueue();
  fin = false;
  /** Main's socket is closed: nothing more arrives, writes go nowhere. */
  gone = false;
  /** Pending socket error, reported once by recv() or send() (like SO_ERROR). */
  error = 0;
  /** An error was reported: later sends answer EPIPE. */
  broken = false;
  rdShut = false;
  wrShut = false;
  /** Bytes accepted by send() that main has not yet handed to the kernel. */
  unflushed = 0;
  /** Bytes consumed by recv() not yet credited back to main. */
  uncredited = 0;
  /** OP_WANT_ROOM was sent and no EV_FLUSHED has come since. */
  wantsRoom = false;
}

export class NodeNetTransport implements SocketTransport {
  readonly listeners: readonly Handle[];
  onChange: ((handle: Handle) => void) | null = null;

  private readonly port: MessagePort;
  private readonly ctrl: Int32Array;
  private readonly limits: NodeNetLimits;
  private readonly creditBatch: number;
  private readonly handles = new Map<Handle, WorkerConn | WorkerListener>();
  private readonly ops = new Batch();
  private readonly spares: ArrayBuffer[] = [];
  private seq = 0;
  private stopReported = false;
  private ended = false;

  constructor(init: NodeNetWorkerInit) {
    this.port = init.port;
    this.ctrl = new Int32Array(init.control);
    this.limits = init.limits;
    this.creditBatch = Math.max(1, Math.min(64 * 1024, Math.floor(init.limits.inbound / 4)));
    this.listeners = [...init.listeners];
    for (const handle of init.listeners) this.handles.set(handle, new WorkerListener());
  }

  get stopping(): boolean {
    return Atomics.load(this.ctrl, CTRL_STOP) !== 0;
  }

  accept(listener: Handle): Handle | number {
    const l = this.handles.get(listener);
    if (!l) return -ERRNO_BADF;
    if (!(l instanceof WorkerListener)) return -ERRNO_INVAL;
    if (this.stopping) return -ERRNO_CANCELED;
    if (l.error) return -l.error;
    if (l.count === 0) this.sync();
    if (l.count === 0) return -ERRNO_AGAIN;
    const handle = l.shift();
    this.ops.push(OP_ACCEPT, handle, 0);
    return handle;
  }

  recv(conn: Handle, into: readonly Uint8Array[], peek: boolean): number {
    const c = this.handles.get(conn);
    if (!c) return -ERRNO_BADF;
    if (!(c instanceof WorkerConn)) return -ERRNO_NOTCONN;
    if (c.rdShut) return 0;
    if (c.inbound.length === 0) this.sync();
    if (c.inbound.length === 0) {
      if (c.error) {
        const error = c.error;
        if (!peek) this.consumeError(c);
        return -error;
      }
      return c.fin || c.gone ? 0 : -ERRNO_AGAIN;
    }
    const total = c.inbound.copyOut(into, peek);
    counters?.add('copy.chunk_to_wasm');
    counters?.add('copy.chunk_to_wasm.bytes', total);
    if (!peek) {
      c.uncredited += total;
      if (c.uncredited >= this.creditBatch) {
        this.ops.push(OP_CREDIT, conn, c.uncredited);
        c.uncredited = 0;
      }
    }
    return total;
  }

  send(conn: Handle, from: readonly Uint8Array[]): number {
    const c = this.handles.get(conn);
    if (!c) return -ERRNO_BADF;
    if (!(c instanceof WorkerConn)) return -ERRNO_NOTCONN;
    if (c.error) {
      const error = c.error;
      this.consumeError(c);
      return -error;
    }
    if (c.wrShut || c.gone || c.broken) return -ERRNO_PIPE;
    let total = 0;
    for (const src of from) total += src.byteLength;
    if (total === 0) return 0;
    const room = this.roomFor(conn, c);
    if (room <= 0) return -ERRNO_AGAIN;
    const n = Math.min(total, room);
    // The only copy on the way out: wasm memory into a buffer main can own
    // (so never a view into a pool). A large send reuses a spare (at most 2x
    // the bytes it carries); a small one gets a buffer of its size, not
    // zero-filled first since every byte is written below.
    const bytes =
      n >= SPARE_BYTES / 2 && n <= SPARE_BYTES
        ? new Uint8Array(this.spares.pop() ?? new ArrayBuffer(SPARE_BYTES), 0, n)
        : Buffer.allocUnsafeSlow(n);
    let at = 0;
    for (const src of from) {
      const take = Math.min(src.byteLength, n - at);
      bytes.set(take === src.byteLength ? src : src.subarray(0, take), at);
      at += take;
      if (at === n) break;
    }
    counters?.add('copy.wasm_to_out');
    counters?.add('copy.wasm_to_out.bytes', n);
    c.unflushed += n;
    this.ops.push(OP_WRITE, conn, bytes);
    if (this.ops.bytes >= OUT_BATCH_BYTES) this.flush();
    return n;
  }

  shutdown(conn: Handle, how: number): number {
    const c = this.handles.get(conn);
    if (!c) return -ERRNO_BADF;
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) return -ERRNO_INVAL;
    if (!(c instanceof WorkerConn) || c.gone) return -ERRNO_NOTCONN;
    if (how & SHUT_RD && !c.rdShut) {
      c.rdShut = true;
      c.inbound.clear();
    }
    if (how & SHUT_WR) c.wrShut = true;
    this.ops.push(OP_SHUTDOWN, conn, how);
    return 0;
  }

  close(handle: Handle): void {
    const state = this.handles.get(handle);
    if (!state) return;
    this.handles.delete(handle);
    // Connections still waiting for accept() die with their listener (main destroys them).
    if (state instanceof WorkerListener) for (let i = state.head; i < state.pending.length; i++) this.handles.delete(state.pending[i]!);
    this.ops.push(OP_CLOSE, handle, 0);
  }

  poll(handle: Handle): Readiness {
    const state = this.handles.get(handle);
    if (!state) return { readable: false, writable: false, hangup: true, error: ERRNO_BADF, nread: 0, nwrite: 0 };
    if (state instanceof WorkerListener) {
      // A stopped or failed listener is readable and hung up; accept()
      // returns the error (ECANCELED when stopped).
      const ended = this.stopping || state.error !== 0;
      return { readable: state.count > 0 || ended, writable: false, hangup: ended, error: state.error, nread: state.count, nwrite: 0 };
    }
    const hangup = state.fin || state.gone || state.broken;
    const failed = state.error !== 0 || state.broken || state.gone;
    const room = state.wrShut || failed ? 0 : this.roomFor(handle, state);
    return {
      readable: state.inbound.length > 0 || hangup || state.error !== 0 || state.rdShut,
      // A send that would fail at once does not block either: POLLOUT, as in Linux.
      writable: room > 0 || failed || state.wrShut,
      hangup,
      error: state.error,
      nread: state.inbound.length,
      nwrite: room,
    };
  }

  /**
   * Room left under the outbound limit. When there is none, main is told, so
   * that flushing this connection wakes the worker: it is not woken for
   * flushes otherwise (most of them matter to nobody).
   */
  private roomFor(handle: Handle, c: WorkerConn): number {
    const room = this.limits.outbound - c.unflushed;
    if (room > 0) return room;
    if (!c.wantsRoom) {
      c.wantsRoom = true;
      this.ops.push(OP_WANT_ROOM, handle, 0);
    }
    return 0;
  }

  wait(timeoutMs: number): void {
    counters?.add(timeoutMs === 0 ? 'transport_wait.poll' : 'transport_wait.block');
    this.flush();
    const seq = Atomics.load(this.ctrl, CTRL_SEQ);
    if (seq !== this.seq) {
      this.seq = seq;
      if (this.drain()) return;
    }
    if (this.reportStop() || timeoutMs === 0) return;
    const slept = Atomics.wait(this.ctrl, CTRL_SEQ, seq, timeoutMs < 0 ? Infinity : timeoutMs);
    counters?.add(`atomics_wait.${slept}`);
    this.sync();
  }

  /** Posts the batched requests to main now. */
  flush(): void {
    if (this.ops.empty) return;
    const { items, transfer } = this.ops.take();
    this.port.postMessage(items, transfer);
    counters?.add('msg.posted');
    counters?.add('msg.posted.triples', items.length / 3);
  }

  /**
   * The module is done: flushes what it sent and tells main, which then ends
   * the sockets the module left open. The transport is unusable afterwards.
   */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.ops.push(OP_END, 0, 0);
    this.flush();
    this.port.close();
  }

  private consumeError(c: WorkerConn): void {
    c.error = 0;
    c.broken = true;
  }

  /** Takes main's events if any were posted since the last look. */
  private sync(): void {
    const seq = Atomics.load(this.ctrl, CTRL_SEQ);
    if (seq !== this.seq) {
      this.seq = seq;
      this.drain();
    }
    this.reportStop();
  }

  private reportStop(): boolean {
    if (!this.stopping) return false;
    if (!this.stopReported) {
      this.stopReported = true;
      for (const handle of this.listeners) if (this.handles.has(handle)) this.onChange?.(handle);
    }
    return true;
  }

  private drain(): boolean {
    let any = false;
    for (;;) {
      const message = receiveMessageOnPort(this.port);
      if (message === undefined) return any;
      any = true;
      counters?.add('msg.taken');
      const items = message.message as (number | Uint8Array)[];
      for (let i = 0; i + 2 < items.length; i += 3) this.apply(items[i] as number, items[i + 1] as Handle, items[i + 2]!);
    }
  }

  private apply(kind: number, handle: Handle, arg: number | Uint8Array): void {
    counters?.add(`ev.${EV_NAMES[kind]}`);
    if (kind === EV_SPARE) {
      if (this.spares.length < MAX_SPARES) this.spares.push((arg as Uint8Array).buffer as ArrayBuffer);
      return;
    }
    if (kind === EV_CONN) {
      const listener = this.handles.get(arg as Handle);
      if (!(listener instanceof WorkerListener)) return; // closed meanwhile; main destroys the socket
      this.handles.set(handle, new WorkerConn());
      listener.pending.push(handle);
      this.onChange?.(arg as Handle);
      return;
    }
    const state = this.handles.get(handle);
    if (!state) return; // closed by the module; late events mean nothing now
    if (state instanceof WorkerListener) {
      if (kind === EV_ERROR) state.error = arg as number;
      this.onChange?.(handle);
      return;
    }
    switch (kind) {
      case EV_DATA: {
        if (state.rdShut) {
          this.ops.push(OP_CREDIT, handle, (arg as Uint8Array).byteLength);
          return;
        }
        state.inbound.append(arg as Uint8Array);
        break;
      }
      case EV_FIN:
        state.fin = true;
        break;
      case EV_ERROR:
        if (!state.broken) state.error = arg as number;
        break;
      case EV_FLUSHED:
        state.unflushed -= arg as number;
        state.wantsRoom = false;
        break;
      case EV_GONE:
        state.gone = true;
        break;
    }
    this.onChange?.(handle);
  }
}
