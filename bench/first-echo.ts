// Start to first echo: how long after its spawn a fresh server answers its
// first request. The "listening on" line alone would flatter a server that
// prints it before its loop can answer; one real exchange cannot. An echo
// server is sent one byte; the HTTP server one GET.
import * as net from 'node:net';
import { HELLO_REQUEST, HELLO_RESPONSE } from './http-hello.js';
import type { Program } from './servers.js';

/** What a program is sent first, and the whole answer it must give. */
const PROBES: Record<Program, { request: Buffer; answer: Buffer }> = {
  echo: { request: Buffer.from('1'), answer: Buffer.from('1') },
  http: { request: Buffer.from(HELLO_REQUEST), answer: Buffer.from(HELLO_RESPONSE) },
};

/** Connects to 127.0.0.1:port, sends the program's probe and waits for its whole answer; resolves with ms since `spawnedAt` (hrtime ns). */
export function timeFirstEcho(port: number, spawnedAt: bigint, timeoutMs: number, program: Program = 'echo'): Promise<number> {
  const probe = PROBES[program];
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    const timer = setTimeout(() => fail(new Error(`no answer to a first request within ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`first echo: ${err.message}`, { cause: err }));
    };
    let got = Buffer.alloc(0);
    socket.on('error', fail);
    socket.on('connect', () => socket.write(probe.request));
    socket.on('data', (chunk: Buffer) => {
      const at = process.hrtime.bigint();
      got = Buffer.concat([got, chunk]);
      if (got.length < probe.answer.length) return;
      clearTimeout(timer);
      socket.destroy();
      if (!got.equals(probe.answer)) reject(new Error(`first echo: sent ${probe.request.toString('hex')}, got ${got.toString('hex')}`));
      else resolve(Number(at - spawnedAt) / 1e6);
    });
  });
}
