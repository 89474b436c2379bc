// The virtual network's two halves for tests: the owner here, and either the
// JavaScript echo loop of transport-echo-worker.ts in a worker thread (as the
// host would run a module) or the module half in this same thread, driven
// call by call. Clients are VirtualSockets; every read is bounded in time.

import { Worker } from 'node:worker_threads';
import { ControlBlock } from '../../ts/transport/control-block.js';
import type { TransportLimits, IoList } from '../../ts/transport/types.js';
import { VirtualModuleHalf } from '../../ts/transport/virtual/module.js';
import { VirtualOwner, type VirtualSocket } from '../../ts/transport/virtual/owner.js';
import type { VirtualModuleInit } from '../../ts/transport/virtual/layout.js';
import { withTimeout } from './echo-client.js';
import type { EchoWorkerData, EchoWorkerResult } from './transport-echo-worker.js';

export interface VirtualEcho {
  owner: VirtualOwner;
  control: ControlBlock;
  /** Asks the loop to stop; resolves with what it counted once it ended the transport. */
  stop(): Promise<EchoWorkerResult>;
}

export async function startVirtualEcho(mode: EchoWorkerData['mode'], limits: TransportLimits = {}): Promise<VirtualEcho> {
  const control = new ControlBlock();
  const owner = await VirtualOwner.open({ listen: [{ host: '127.0.0.1', port: 0 }], control, limits });
  const { init } = owner.moduleInit();
  const data: EchoWorkerData = { init, control: control.buffer, mode };
  const worker = new Worker(new URL('./transport-echo-worker.js', import.meta.url), { workerData: data });
  const result = new Promise<EchoWorkerResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`echo worker exited with ${code} before reporting`)));
  });
  return {
    owner,
    control,
    async stop() {
      control.requestStop();
      owner.wake();
      try {
        const counted = await withTimeout('the echo worker to stop', 5000, result);
        await withTimeout('the worker to end the transport', 5000, owner.ended);
        return counted;
      } finally {
        await worker.terminate();
        await owner.close(0);
      }
    },
  };
}

/** Both halves in this thread: the module half is called directly (never wait() without a timeout). */
export async function virtualPair(limits: TransportLimits = {}, connections?: number): Promise<{ owner: VirtualOwner; module: VirtualModuleHalf; control: ControlBlock }> {
  const control = new ControlBlock();
  const owner = await VirtualOwner.open({ listen: [{ host: '127.0.0.1', port: 0 }], control, limits, connections });
  const module = new VirtualModuleHalf(owner.moduleInit().init as VirtualModuleInit);
  return { owner, module, control };
}

/** Lets the owner's microtasks and its waitAsync loop run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

export function ioList(bytes: Uint8Array): IoList {
  return { mem: bytes, iov: new Uint32Array([0, bytes.length]), count: 1 };
}

/** Reads until EOF; rejects with the stream's error (code ECONNRESET, ...). */
export function readAll(socket: VirtualSocket, ms = 10_000): Promise<Uint8Array> {
  return withTimeout('read to EOF', ms, (async () => {
    const chunks: Uint8Array[] = [];
    const reader = socket.readable.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    return concat(chunks);
  })());
}

/** Reads exactly `n` bytes (the reader is released after). */
export function readExactly(socket: VirtualSocket, n: number, ms = 10_000): Promise<Uint8Array> {
  return withTimeout(`read ${n} bytes`, ms, (async () => {
    const chunks: Uint8Array[] = [];
    let got = 0;
    const reader = socket.readable.getReader();
    try {
      while (got < n) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`EOF after ${got} of ${n} bytes`);
        chunks.push(value);
        got += value.byteLength;
      }
    } finally {
      reader.releaseLock();
    }
    return concat(chunks);
  })());
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
