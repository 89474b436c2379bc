// A soak client connection that reads everything and checks it (EchoCheck),
// with one bounded way to wait for a condition on it.
import type net from 'node:net';
import { connect } from '../../test/helpers/echo-client.js';
import { EchoCheck } from './echo-check.js';

export const CONNECT_MS = 5000;

export class EchoConn {
  readonly check = new EchoCheck();
  ended = false;
  closed = false;
  error: Error | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.check.receive(chunk));
    socket.on('end', () => (this.ended = true));
    socket.on('error', (error) => (this.error ??= error));
    socket.on('close', () => (this.closed = true));
  }

  static async open(port: number): Promise<EchoConn> {
    return new EchoConn(await connect(port, CONNECT_MS));
  }

  /** Writes `chunk` and expects it back; false when the socket wants a drain first. */
  send(chunk: Buffer): boolean {
    this.check.expect(chunk);
    return this.socket.write(chunk);
  }

  get writable(): boolean {
    return !this.socket.writableNeedDrain;
  }

  /**
   * Resolves once `done()` holds, checked after every socket event; rejects,
   * naming `what`, when the connection fails or closes first, or after `ms`.
   */
  wait(done: () => boolean, ms: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const events = ['data', 'drain', 'end', 'close', 'error'] as const;
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        for (const event of events) this.socket.off(event, check);
        if (error) reject(error);
        else resolve();
      };
      const check = (): void => {
        if (done()) return finish();
        if (this.error) return finish(new Error(`${what}: ${this.error.message}`));
        if (this.closed) return finish(new Error(`${what}: the server closed the connection`));
      };
      const timer = setTimeout(() => finish(new Error(`${what}: nothing for ${ms} ms`)), ms);
      for (const event of events) this.socket.on(event, check);
      check();
    });
  }
}
