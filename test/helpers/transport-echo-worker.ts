// A JavaScript echo loop run directly on a SocketTransport, in a worker, in
// place of a wasm module: it tests the transport alone, through the same
// contract the host uses (nonblocking calls, poll, wait, onChange).

import { parentPort, workerData } from 'node:worker_threads';
import { ERRNO_AGAIN, ERRNO_CONNRESET } from '../../ts/wasi/defs.js';
import { ControlBlock } from '../../ts/transport/control-block.js';
import { openModuleHalf } from '../../ts/transport/kinds.js';
import type { IoList, ModuleHalfInit } from '../../ts/transport/types.js';

export interface EchoWorkerData {
  init: ModuleHalfInit;
  control: SharedArrayBuffer;
  /** 'echo': RFC 862; 'noread': accept and never read. */
  mode: 'echo' | 'noread';
}

export interface EchoWorkerResult {
  accepted: number;
  resets: number;
  /** Most bytes this loop ever held for one connection (its own output buffer). */
  maxPending: number;
  /** Most bytes the transport ever held for one unread connection ('noread'). */
  maxBuffered: number;
}

interface Conn {
  pending: Uint8Array[];
  pendingBytes: number;
  fin: boolean;
}

const { init, mode } = workerData as EchoWorkerData;
const control = new ControlBlock((workerData as EchoWorkerData).control);
const transport = await openModuleHalf(init, control);
const conns = new Map<number, Conn>();
const result: EchoWorkerResult = { accepted: 0, resets: 0, maxPending: 0, maxBuffered: 0 };
const PENDING_LIMIT = 256 * 1024;
const buffer = new Uint8Array(64 * 1024);
const whole = (bytes: Uint8Array): IoList => ({ mem: bytes, iov: new Uint32Array([0, bytes.length]), count: 1 });
const into = whole(buffer);

// Counted as the host counts, so that tests can read the owner's stats.
function drop(handle: number): void {
  transport.close(handle);
  conns.delete(handle);
  control.countClosed();
}

loop: for (;;) {
  let progressed = false;
  for (const listener of transport.listeners) {
    if (control.stopRequested) break loop;
    for (;;) {
      const handle = transport.accept(listener);
      if (handle < 0) break;
      result.accepted++;
      control.countAccepted();
      progressed = true;
      conns.set(handle, { pending: [], pendingBytes: 0, fin: false });
    }
  }
  if (mode === 'noread') {
    for (const handle of conns.keys()) result.maxBuffered = Math.max(result.maxBuffered, transport.readable(handle));
  }
  if (mode === 'echo') {
    for (const [handle, conn] of conns) {
      while (conn.pending.length > 0) {
        const head = conn.pending[0]!;
        const n = transport.send(handle, whole(head));
        if (n === -ERRNO_AGAIN) break;
        if (n < 0) {
          if (n === -ERRNO_CONNRESET) result.resets++;
          drop(handle);
          break;
        }
        progressed = true;
        control.countOut(n);
        conn.pendingBytes -= n;
        if (n === head.byteLength) conn.pending.shift();
        else conn.pending[0] = head.subarray(n);
      }
      if (!conns.has(handle)) continue;
      if (conn.pendingBytes < PENDING_LIMIT && !conn.fin) {
        const n = transport.recv(handle, into, false);
        if (n > 0) {
          control.countIn(n);
          conn.pending.push(buffer.slice(0, n));
          conn.pendingBytes += n;
          result.maxPending = Math.max(result.maxPending, conn.pendingBytes);
          progressed = true;
        } else if (n === 0) {
          conn.fin = true;
          progressed = true;
        } else if (n !== -ERRNO_AGAIN) {
          if (n === -ERRNO_CONNRESET) result.resets++;
          drop(handle);
          progressed = true;
          continue;
        }
      }
      if (conn.fin && conn.pendingBytes === 0) drop(handle);
    }
  }
  if (!progressed) transport.wait(-1);
}

for (const handle of conns.keys()) drop(handle);
for (const listener of transport.listeners) transport.close(listener);
transport.end();
parentPort!.postMessage(result);
