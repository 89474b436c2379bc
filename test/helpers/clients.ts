// Client helpers beyond echo-client.ts (which has connect, echoOnce,
// roundTrip, readToEnd, readExactly, closedByPeer, withTimeout, sleep): many
// connections at once, and waiting for a condition. Every wait is bounded.

import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { connect, sleep } from './echo-client.js';

/** Polls `condition` every 10 ms until it holds; throws naming `what` after `ms`. */
export async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * Opens `n` connections to 127.0.0.1:`port`, at most `parallel` connecting at
 * once. A server that resets or drops them makes later reads and writes fail;
 * it never raises an uncaught 'error' event.
 */
export async function connectMany(n: number, port: number, parallel = 64, ms = 5000): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  let started = 0;
  const lane = async () => {
    while (started < n) {
      started++;
      const s = await connect(port, ms);
      s.on('error', () => {});
      sockets.push(s);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, n) }, lane));
  } catch (error) {
    for (const s of sockets) s.destroy();
    throw error;
  }
  return sockets;
}

/**
 * Writes random bytes to a client that never reads until the socket stays
 * blocked for `stuckMs` (the server stopped reading it), the peer closes, or
 * `limit` bytes were offered; the bytes offered.
 */
export async function writeUntilStuck(s: net.Socket, stuckMs: number, limit: number): Promise<number> {
  const chunk = randomBytes(64 * 1024);
  let written = 0;
  let closed = s.destroyed;
  s.once('close', () => (closed = true));
  while (written < limit && !closed) {
    written += chunk.length;
    if (s.write(chunk)) continue;
    const drained = await Promise.race([new Promise<boolean>((r) => s.once('drain', () => r(true))), sleep(stuckMs).then(() => false)]);
    if (!drained) return written;
  }
  return written;
}

/**
 * How a server answered one write on an open connection: `echoed` (exactly
 * the bytes back), `closed` (it closed or reset the connection without
 * sending a byte: a refusal), `wrong` (other bytes, or part of them and then
 * a close) or `silent` (nothing within `ms`). Refusals must not be counted
 * from timeouts or corrupted echoes. `alreadyWritten`: wait again for the
 * echo of `data`, written by an earlier call that found the server silent.
 */
export type Answer = 'echoed' | 'closed' | 'wrong' | 'silent';

export function answerTo(s: net.Socket, data: Buffer, ms: number, alreadyWritten = false): Promise<Answer> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const finish = (answer: Answer) => {
      clearTimeout(timer);
      s.off('data', onData);
      s.off('end', onClose);
      s.off('close', onClose);
      s.off('error', onClose);
      resolve(answer);
    };
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (!data.subarray(0, got.length).equals(got.subarray(0, data.length)) || got.length > data.length) finish('wrong');
      else if (got.length === data.length) finish('echoed');
    };
    const onClose = () => finish(got.length === 0 ? 'closed' : 'wrong');
    const timer = setTimeout(() => finish(got.length === 0 ? 'silent' : 'wrong'), ms);
    if (s.destroyed || s.readableEnded) return finish('closed');
    s.on('data', onData);
    s.once('end', onClose);
    s.once('close', onClose);
    s.once('error', onClose);
    s.resume();
    if (!alreadyWritten) s.write(data, () => {});
  });
}

/** How many of each answer. */
export function countAnswers(answers: readonly Answer[]): Record<Answer, number> {
  const counts: Record<Answer, number> = { echoed: 0, closed: 0, wrong: 0, silent: 0 };
  for (const a of answers) counts[a]++;
  return counts;
}
