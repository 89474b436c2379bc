// The wire between the two halves of the node:net transport: node-net-main.ts
// (the thread that owns the sockets and must never block) and node-net.ts (the
// worker that runs the module and blocks in Atomics.wait).
//
// Both directions use one MessageChannel. A message is a flat array of triples
// [kind, handle, arg, kind, handle, arg, ...] so that one postMessage carries a
// whole batch and structured clone sees numbers and Uint8Arrays only (their
// ArrayBuffers are transferred, not copied).
//
// Main → worker wakes the worker through a SharedArrayBuffer control block:
// after posting, main bumps CTRL_SEQ and notifies it; the worker waits on it.

import type { MessagePort } from 'node:worker_threads';
import type { Handle } from './types.js';

/** Int32 indices of the control block. */
export const CTRL_SEQ = 0;
/** 1 once the owner asked the module to stop. */
export const CTRL_STOP = 1;
export const CTRL_WORDS = 2;

// Main → worker.
/** arg: the listener the connection arrived on. */
export const EV_CONN = 1;
/** arg: Uint8Array of inbound bytes. */
export const EV_DATA = 2;
/** The peer sent FIN. arg: 0. */
export const EV_FIN = 3;
/** arg: WASI errno of the socket error (ECONNRESET after RST). */
export const EV_ERROR = 4;
/** arg: bytes that left the outbound queue (handed to the kernel). */
export const EV_FLUSHED = 5;
/** The socket is fully closed; arg: 0. */
export const EV_GONE = 6;
/** handle 0; arg: an OP_WRITE buffer of SPARE_BYTES that main has written, handed back for reuse. */
export const EV_SPARE = 7;

// Worker → main.
/** arg: Uint8Array to write. */
export const OP_WRITE = 1;
/** arg: SHUT_RD | SHUT_WR | SHUT_RDWR. */
export const OP_SHUTDOWN = 2;
/** Release the handle (connection: end after pending writes; listener: stop listening). arg: 0. */
export const OP_CLOSE = 3;
/** arg: inbound bytes the module consumed, so main may read more. */
export const OP_CREDIT = 4;
/** The module accepted this connection. arg: 0. */
export const OP_ACCEPT = 5;
/** The worker is done with the transport; nothing follows. handle and arg: 0. */
export const OP_END = 6;
/**
 * The module found no room to send on this connection and may sleep until
 * there is: main must wake the worker with the next EV_FLUSHED for it (or at
 * once, if flushed bytes were already reported). arg: 0.
 */
export const OP_WANT_ROOM = 7;

/** Names of the kinds, for counters (counters.ts). */
export const EV_NAMES: Readonly<Record<number, string>> = {
  [EV_CONN]: 'conn',
  [EV_DATA]: 'data',
  [EV_FIN]: 'fin',
  [EV_ERROR]: 'error',
  [EV_FLUSHED]: 'flushed',
  [EV_GONE]: 'gone',
  [EV_SPARE]: 'spare',
};
export const OP_NAMES: Readonly<Record<number, string>> = {
  [OP_WRITE]: 'write',
  [OP_SHUTDOWN]: 'shutdown',
  [OP_CLOSE]: 'close',
  [OP_CREDIT]: 'credit',
  [OP_ACCEPT]: 'accept',
  [OP_END]: 'end',
  [OP_WANT_ROOM]: 'want_room',
};

/**
 * Capacity of the outbound buffers that go round: the worker copies sends of
 * at least half of it into one, main hands it back after writing it (EV_SPARE).
 * A fresh buffer per large send costs the worker page faults (glibc gives
 * the freed memory back to the kernel, and every new buffer is zeroed pages):
 * more than the copy itself.
 */
export const SPARE_BYTES = 64 * 1024;

export interface NodeNetLimits {
  /** Bytes main may post to the worker for one connection before pausing the socket. */
  inbound: number;
  /** Bytes the worker accepts in send() for one connection before main reports them written. */
  outbound: number;
  /** Connections main keeps waiting for accept() on one listener; more are dropped. */
  acceptBacklog: number;
}

export const DEFAULT_LIMITS: NodeNetLimits = {
  inbound: 256 * 1024,
  outbound: 256 * 1024,
  acceptBacklog: 4096,
};

/** What the worker half needs; every field survives postMessage / workerData. */
export interface NodeNetWorkerInit {
  port: MessagePort;
  control: SharedArrayBuffer;
  listeners: Handle[];
  limits: NodeNetLimits;
}

/** A batch under construction: the flat triples plus the buffers to transfer. */
export class Batch {
  items: (number | Uint8Array)[] = [];
  transfer: ArrayBuffer[] = [];
  bytes = 0;

  push(kind: number, handle: Handle, arg: number | Uint8Array): void {
    this.items.push(kind, handle, arg);
    if (typeof arg !== 'number') {
      this.bytes += arg.byteLength;
      this.transfer.push(arg.buffer as ArrayBuffer);
    }
  }

  get empty(): boolean {
    return this.items.length === 0;
  }

  take(): { items: (number | Uint8Array)[]; transfer: ArrayBuffer[] } {
    const taken = { items: this.items, transfer: this.transfer };
    this.items = [];
    this.transfer = [];
    this.bytes = 0;
    return taken;
  }
}
