// The wire between the two halves of the node:net transport: owner.ts (the
// thread that owns the sockets and must never block) and module.ts (the
// module's thread, which blocks in Atomics.wait).
//
// Both directions use one MessageChannel. A message is a flat array of triples
// [kind, handle, arg, kind, handle, arg, ...] so that one postMessage carries a
// whole batch and structured clone sees numbers and Uint8Arrays only (their
// ArrayBuffers are transferred, not copied).
//
// The owner wakes the module's thread through a shared sequence word: after
// posting, it bumps SEQ and notifies it; the module's thread waits on it.
//
// The message kinds are named for their direction: NEWS_* travel from the
// owner to the module half (what the network did), ASK_* from the module half
// to the owner (what the module wants done).

import type { MessagePort } from 'node:worker_threads';
import { formatIp, parseIp, type SocketAddress } from '../address.js';
import type { Handle } from '../types.js';

/** Int32 index of the wake-up sequence word in the shared `wake` buffer. */
export const SEQ = 0;
export const WAKE_WORDS = 1;

// Owner → module half.
/** arg: the listener the connection arrived on. */
export const NEWS_CONNECTION = 1;
/** arg: Uint8Array of inbound bytes. */
export const NEWS_BYTES = 2;
/** The peer sent FIN. arg: 0. */
export const NEWS_PEER_FIN = 3;
/** arg: WASI errno of the socket error (ECONNRESET after RST). */
export const NEWS_ERROR = 4;
/** arg: bytes that left the outbound queue (handed to the kernel). */
export const NEWS_FLUSHED = 5;
/** The socket is fully closed; arg: 0. */
export const NEWS_GONE = 6;
/** handle 0; arg: an ASK_WRITE buffer of SPARE_BYTES that the owner has written, handed back for reuse. */
export const NEWS_SPARE = 7;
/** A listener the module asked for (ASK_LISTEN) listens; arg: its port. */
export const NEWS_LISTENING = 8;
/** A listener the module asked for could not listen; arg: the WASI errno (EADDRINUSE, …). */
export const NEWS_LISTEN_FAILED = 9;
/** A connection the module dialled (ASK_CONNECT) is made; arg: 0. Its failure is a NEWS_ERROR. */
export const NEWS_CONNECTED = 10;
/** A connection's two addresses (before its NEWS_CONNECTION or NEWS_CONNECTED); arg: encodeAddresses(). */
export const NEWS_ADDRESSES = 11;

// Module half → owner.
/** arg: Uint8Array to write. */
export const ASK_WRITE = 1;
/** arg: SHUT_RD | SHUT_WR | SHUT_RDWR. */
export const ASK_SHUTDOWN = 2;
/**
 * Release the handle (arg 0). A listener stops listening; a connection ends
 * after its pending writes, or is reset at once if input it was sent was not
 * all consumed (credited), as close(2) does.
 */
export const ASK_CLOSE = 3;
/** arg: inbound bytes the module consumed, so main may read more. */
export const ASK_CREDIT = 4;
/** The module accepted this connection. arg: 0. */
export const ASK_ACCEPT = 5;
/** The worker is done with the transport; nothing follows. handle and arg: 0. */
export const ASK_END = 6;
/**
 * The module found no room to send on this connection and may sleep until
 * there is: main must wake the worker with the next NEWS_FLUSHED for it (or at
 * once, if flushed bytes were already reported). arg: 0.
 */
export const ASK_WAKE_ON_ROOM = 7;
/** Listen for the module on a handle it opened; arg: encodeRequest(ListenRequest). Answered by NEWS_LISTENING or NEWS_LISTEN_FAILED. */
export const ASK_LISTEN = 8;
/** Connect for the module on a handle it opened; arg: encodeRequest(ConnectRequest). */
export const ASK_CONNECT = 9;
/** Apply a socket option to a connection; arg: encodeRequest(OptionRequest). */
export const ASK_OPTION = 10;

/** Names of the kinds, for the opt-in counters (../counters.ts). */
export const NEWS_NAMES: Readonly<Record<number, string>> = {
  [NEWS_CONNECTION]: 'conn',
  [NEWS_BYTES]: 'data',
  [NEWS_PEER_FIN]: 'fin',
  [NEWS_ERROR]: 'error',
  [NEWS_FLUSHED]: 'flushed',
  [NEWS_GONE]: 'gone',
  [NEWS_SPARE]: 'spare',
  [NEWS_LISTENING]: 'listening',
  [NEWS_LISTEN_FAILED]: 'listen_failed',
  [NEWS_CONNECTED]: 'connected',
  [NEWS_ADDRESSES]: 'addresses',
};
export const ASK_NAMES: Readonly<Record<number, string>> = {
  [ASK_WRITE]: 'write',
  [ASK_SHUTDOWN]: 'shutdown',
  [ASK_CLOSE]: 'close',
  [ASK_CREDIT]: 'credit',
  [ASK_ACCEPT]: 'accept',
  [ASK_END]: 'end',
  [ASK_WAKE_ON_ROOM]: 'want_room',
  [ASK_LISTEN]: 'listen',
  [ASK_CONNECT]: 'connect',
  [ASK_OPTION]: 'option',
};

export interface ListenRequest {
  address: SocketAddress;
  backlog: number;
}

export interface ConnectRequest {
  address: SocketAddress;
  /** Where the module bound it first, if it did. */
  local: SocketAddress | null;
}

export interface OptionRequest {
  option: 'no-delay' | 'keep-alive' | 'recv-buffer';
  value: number;
}

/** A request of the module's, as a buffer that travels in a batch (they are rare: JSON is fine). */
export function encodeRequest(request: ListenRequest | ConnectRequest | OptionRequest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(request));
}

export function decodeRequest<T>(bytes: Uint8Array): T {
  return JSON.parse(new TextDecoder().decode(bytes)) as T;
}

/** Bytes per address in encodeAddresses(): family (4 or 6), port (u16, big-endian), 16 octets. */
const ADDRESS_BYTES = 19;

/** A connection's local and peer addresses, compactly: one comes with every connection. */
export function encodeAddresses(local: SocketAddress | null, peer: SocketAddress | null): Uint8Array {
  const out = new Uint8Array(2 * ADDRESS_BYTES);
  [local, peer].forEach((a, i) => {
    const ip = a === null ? null : parseIp(a.host);
    if (a === null || ip === null) return;
    const at = i * ADDRESS_BYTES;
    out[at] = ip.family;
    out[at + 1] = a.port >> 8;
    out[at + 2] = a.port & 0xff;
    out.set(ip.octets, at + 3);
  });
  return out;
}

/** One address of encodeAddresses() (0: local, 1: peer), or null when it was not known. */
export function decodeAddress(bytes: Uint8Array, which: 0 | 1): SocketAddress | null {
  const at = which * ADDRESS_BYTES;
  const family = bytes[at];
  if (family !== 4 && family !== 6) return null;
  const host = formatIp(bytes.subarray(at + 3, at + 3 + (family === 4 ? 4 : 16)));
  return { family, host, port: (bytes[at + 1]! << 8) | bytes[at + 2]! };
}

/**
 * Capacity of the outbound buffers that go round: the worker copies sends of
 * at least half of it into one, main hands it back after writing it (NEWS_SPARE).
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

/** What the module half needs; every field survives postMessage / workerData. */
export interface NodeNetModuleInit {
  kind: 'node-net';
  port: MessagePort;
  /** WAKE_WORDS Int32 words: the wake-up sequence. */
  wake: SharedArrayBuffer;
  listeners: Handle[];
  /** Where each of `listeners` listens. */
  addresses: SocketAddress[];
  limits: NodeNetLimits;
  [field: string]: unknown;
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
