// TCP clients for echo tests, shared by the host's tests and the C core's
// native tests. Every wait is bounded: a broken server fails a test, it never
// hangs the suite.

import { randomBytes } from 'node:crypto';
import net from 'node:net';

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Rejects with `what` in the message if `promise` does not settle within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 10 ms until it holds; throws naming `what` after `ms`. */
export async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

export function connect(port: number, host = '127.0.0.1', timeoutMs = DEFAULT_TIMEOUT_MS): Promise<net.Socket> {
  return withTimeout(
    new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect({ port, host, allowHalfOpen: true });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    }),
    timeoutMs,
    `connect to ${host}:${port}`,
  );
}

/** Opens `n` connections, at most `parallel` connecting at once. */
export async function connectMany(
  n: number,
  port: number,
  host = '127.0.0.1',
  parallel = 64,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, n) }, async () => {
    while (next < n) {
      next++;
      sockets.push(await connect(port, host, timeoutMs));
    }
  });
  try {
    await Promise.all(lanes);
  } catch (err) {
    for (const s of sockets) s.destroy();
    throw err;
  }
  return sockets;
}

/** Reads exactly `n` bytes (fails on EOF, error or timeout before that). */
export function readExactly(socket: net.Socket, n: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
  return withTimeout(
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let got = 0;
      const cleanup = () => {
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('error', onError);
      };
      const onData = (chunk: Buffer) => {
        const want = n - got;
        const surplus = chunk.length > want ? chunk.subarray(want) : null;
        chunks.push(surplus ? chunk.subarray(0, want) : chunk);
        got += Math.min(chunk.length, want);
        if (got === n) {
          cleanup();
          socket.pause();
          // The surplus belongs to the next reader.
          if (surplus) socket.unshift(surplus);
          resolve(Buffer.concat(chunks));
        }
      };
      const onEnd = () => {
        cleanup();
        reject(new Error(`EOF after ${got} of ${n} bytes`));
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('error', onError);
      socket.resume();
    }),
    timeoutMs,
    `read ${n} bytes`,
  );
}

/** Resolves with everything the peer sends until it closes (FIN). */
export function readToEnd(socket: net.Socket, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
  return withTimeout(
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.once('end', () => resolve(Buffer.concat(chunks)));
      socket.once('error', reject);
      socket.resume();
    }),
    timeoutMs,
    'read until the peer closes',
  );
}

/** Resolves once the socket is closed by the peer (FIN or RST), with the error if any. */
export function closed(socket: net.Socket, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Error | undefined> {
  return withTimeout(
    new Promise<Error | undefined>((resolve) => {
      if (socket.destroyed) return resolve(undefined);
      let error: Error | undefined;
      socket.on('error', (err) => (error = err));
      socket.once('close', () => resolve(error));
      socket.resume();
    }),
    timeoutMs,
    'the peer to close the connection',
  );
}

/**
 * Sends `data` on one connection, half-closes, and returns what came back
 * before the server closed. An echo server returns `data` exactly.
 */
export async function echoOnce(port: number, data: Uint8Array, host = '127.0.0.1', timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
  const socket = await connect(port, host, timeoutMs);
  try {
    const reply = readToEnd(socket, timeoutMs);
    socket.end(data);
    return await reply;
  } finally {
    socket.destroy();
  }
}

/** One request/response round on an open connection: write `data`, read the same length back. */
export async function roundTrip(socket: net.Socket, data: Uint8Array, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
  const reply = readExactly(socket, data.byteLength, timeoutMs);
  socket.write(data);
  return reply;
}

export function randomPayload(n: number): Buffer {
  return randomBytes(n);
}
