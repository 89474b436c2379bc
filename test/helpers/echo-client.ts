// TCP clients for echo tests: every operation is bounded in time and talks to
// 127.0.0.1 only.
import net from 'node:net';

export const HOST = '127.0.0.1';

export function withTimeout<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

export function connect(port: number, ms = 5000, options: { allowHalfOpen?: boolean; noDelay?: boolean } = {}, host = HOST): Promise<net.Socket> {
  return withTimeout(`connect to ${host}:${port}`, ms, new Promise((resolve, reject) => {
    const s = net.connect({ ...options, host, port });
    s.once('connect', () => { s.off('error', reject); resolve(s); });
    s.once('error', reject);
  }));
}

/** Resolves with everything the peer sends until it closes (or rejects on error). */
export function readToEnd(s: net.Socket, ms = 10000): Promise<Buffer> {
  return withTimeout('read to end', ms, new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.once('end', () => resolve(Buffer.concat(chunks)));
    s.once('error', reject);
  }));
}

/** Reads exactly n bytes that arrive next. */
export function readExactly(s: net.Socket, n: number, ms = 5000): Promise<Buffer> {
  return withTimeout(`read ${n} bytes`, ms, new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= n) {
        cleanup();
        const all = Buffer.concat(chunks);
        if (all.length > n) s.unshift(all.subarray(n));
        resolve(all.subarray(0, n));
      }
    };
    const onEnd = () => { cleanup(); reject(new Error(`peer closed after ${got} of ${n} bytes`)); };
    const onError = (e: Error) => { cleanup(); reject(e); };
    const cleanup = () => { s.off('data', onData); s.off('end', onEnd); s.off('error', onError); };
    s.on('data', onData);
    s.once('end', onEnd);
    s.once('error', onError);
  }));
}

/** Writes `data`, half-closes, and returns all that came back before the server closed. */
export async function echoOnce(port: number, data: Buffer, ms = 10000): Promise<Buffer> {
  const s = await connect(port, ms);
  try {
    const back = readToEnd(s, ms);
    s.end(data);
    return await back;
  } finally {
    s.destroy();
  }
}

/** One write and its echo on an open connection. */
export async function roundTrip(s: net.Socket, data: Buffer, ms = 5000): Promise<Buffer> {
  const back = readExactly(s, data.length, ms);
  s.write(data);
  return back;
}

/** Resolves once the peer has closed the connection (FIN or RST), bounded in time. */
export function closedByPeer(s: net.Socket, ms = 5000): Promise<void> {
  return withTimeout('peer close', ms, new Promise((resolve) => {
    if (s.destroyed || s.readableEnded) return resolve();
    s.once('close', () => resolve());
    s.once('end', () => resolve());
    s.resume();
  }));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
