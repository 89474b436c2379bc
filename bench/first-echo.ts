// Start to first echo: how long after its spawn a fresh server echoes its
// first byte. The "listening on" line alone would flatter a server that
// prints it before its loop can answer; one real echo cannot.
import * as net from 'node:net';

const PROBE = Buffer.from('1');

/** Connects to 127.0.0.1:port, sends one byte and waits for it back; resolves with ms since `spawnedAt` (hrtime ns). */
export function timeFirstEcho(port: number, spawnedAt: bigint, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    const timer = setTimeout(() => fail(new Error(`no echo of a first byte within ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`first echo: ${err.message}`, { cause: err }));
    };
    socket.on('error', fail);
    socket.on('connect', () => socket.write(PROBE));
    socket.once('data', (chunk: Buffer) => {
      const at = process.hrtime.bigint();
      clearTimeout(timer);
      socket.destroy();
      if (!chunk.equals(PROBE)) reject(new Error(`first echo: sent ${PROBE.toString('hex')}, got ${chunk.toString('hex')}`));
      else resolve(Number(at - spawnedAt) / 1e6);
    });
  });
}
