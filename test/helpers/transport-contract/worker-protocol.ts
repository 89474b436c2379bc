// The synchronous-call protocol between a contract test and the module half it
// drives in a worker (module-worker.ts).
//
// The test's thread must keep its event loop free: the owner half and the
// peers' node:net sockets live there. The worker, like the host's module
// thread, never returns to its event loop while the module half is open: it
// sleeps in Atomics.wait on the call word. One call at a time: the test posts
// a numbered Call on the port and bumps the call word; the worker takes the
// call with receiveMessageOnPort, runs it (runCall) and posts the Answer,
// which the test receives as an ordinary message.

import type { MessagePort } from 'node:worker_threads';
import type { ModuleHalfInit } from '../../../ts/transport/types.js';
import type { Answer, Call } from './calls.js';

/** Int32 index of the call word in WorkerSetup.calls. */
export const CALL_WORD = 0;
export const CALL_BYTES = 4;

export interface WorkerSetup {
  init: ModuleHalfInit;
  /** The ControlBlock's buffer. */
  control: SharedArrayBuffer;
  /** CALL_BYTES: the call word. */
  calls: SharedArrayBuffer;
  /** The worker's end of the call channel. */
  port: MessagePort;
}

export type NumberedCall = Call & { id: number };

/** The worker's first message: the module half is open (with its listeners), or why not. */
export type Ready = { ready: true; listeners: number[] } | { ready: false; error: string };

export type NumberedAnswer = Answer & { id: number };
