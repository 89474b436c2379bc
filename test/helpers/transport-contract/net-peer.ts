// A peer over a real node:net socket on 127.0.0.1, for the kinds whose owner
// half listens on real sockets. It reads only when asked (paused mode:
// socket.read()), so "the peer does not read" means what it says: Node stops
// reading the socket once its own small buffer is full, and the kernel's
// buffers and window do the rest. Every wait is bounded in time.
//
// A reset shows as 'reset' only when no bytes came just before it: libuv
// takes a hang-up right after a short read as EOF without reading again, so
// a Node client sees bytes + RST as bytes + EOF. Tests that expect a reset
// have the module send this peer nothing first.

import type net from 'node:net';
import { connect, withTimeout } from '../echo-client.js';
import type { OwnedPeer } from './peers.js';
import { Received } from './received.js';
import type { PeerEnd } from './rig.js';

const READ_MS = 10_000;
const FLOOD_CHUNK = 64 * 1024;
/** Bytes flood() keeps queued in Node at most: enough to keep the kernel busy, not a pile in memory. */
const FLOOD_QUEUE = 4 * FLOOD_CHUNK;

export class NetPeer implements OwnedPeer {
  private readonly received = new Received();
  private ended: PeerEnd | null = null;
  private error: NodeJS.ErrnoException | null = null;
  private reading = false;
  private waiters: (() => void)[] = [];

  static async connect(port: number, ms = 5000, host?: string): Promise<NetPeer> {
    return new NetPeer(await connect(port, ms, { allowHalfOpen: true, noDelay: true }, host));
  }

  /** The other end of a connection a socket the module opened made to a test server. */
  static of(socket: net.Socket): NetPeer {
    socket.pause();
    return new NetPeer(socket);
  }

  private constructor(private readonly socket: net.Socket) {
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.error = error;
      if (error.code === 'ECONNRESET') this.ended ??= 'reset';
      this.notify();
    });
    socket.on('end', () => {
      this.ended ??= 'eof';
      this.notify();
    });
    socket.on('close', () => this.notify());
    socket.on('readable', () => {
      if (this.reading) this.pull();
      this.notify();
    });
  }

  write(data: Uint8Array | string): void {
    this.socket.write(data);
  }

  end(): void {
    this.socket.end();
  }

  close(): void {
    this.socket.destroy();
  }

  reset(): void {
    this.socket.resetAndDestroy();
  }

  async read(n: number, ms = READ_MS): Promise<Uint8Array> {
    await withTimeout(`the peer reading ${n} bytes`, ms, this.until(() => this.received.length >= n, `${n} bytes`));
    return this.received.take(n);
  }

  async readToEnd(ms = READ_MS): Promise<{ bytes: Uint8Array; end: PeerEnd }> {
    this.startReading();
    await withTimeout('the peer reading to the end', ms, this.until(() => this.ended !== null, 'the end'));
    return { bytes: this.received.take(this.received.length), end: this.ended! };
  }

  startReading(): void {
    this.reading = true;
    this.pull();
  }

  async flood(ms: number): Promise<{ accepted: number; stalled: boolean }> {
    const chunk = Buffer.alloc(FLOOD_CHUNK, 0x5a);
    // Node counts a write as done once the kernel took all of it.
    const accepted = () => this.socket.bytesWritten - this.socket.writableLength;
    const start = performance.now();
    let halfway = -1;
    for (let t = 0; t < ms; t = performance.now() - start) {
      if (halfway < 0 && t >= ms / 2) halfway = accepted();
      if (this.socket.destroyed) throw new Error(`the peer's socket was closed while flooding: ${this.error?.code ?? 'no error'}`);
      while (this.socket.writableLength < FLOOD_QUEUE) this.socket.write(chunk);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const total = accepted();
    return { accepted: total, stalled: this.socket.writableLength > 0 && total - halfway <= FLOOD_CHUNK };
  }

  dispose(): void {
    this.socket.destroy();
  }

  /**
   * Reads until `done`; rejects once the socket ends or fails first. It has
   * no deadline of its own: one could pass before the caller's withTimeout
   * and resolve with `done` still false.
   */
  private async until(done: () => boolean, what: string): Promise<void> {
    for (;;) {
      this.pull();
      if (done()) return;
      if (this.ended !== null || this.error !== null || this.socket.destroyed) {
        const how = this.ended ?? this.error?.code ?? 'the socket closed';
        throw new Error(`the peer got ${this.received.length} bytes, then ${how}, before ${what}`);
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private pull(): void {
    for (let chunk: Buffer | null; (chunk = this.socket.read() as Buffer | null) !== null; ) {
      this.received.push(chunk);
    }
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
