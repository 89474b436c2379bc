// A peer over a VirtualSocket, for the in-process kinds (IN_PROCESS_KINDS in
// ts/transport/kinds.ts), whose clients come from the owner half's connect()
// rather than from TCP. Like NetPeer it reads only when asked: the socket's
// readable stream reads nothing ahead, so "the peer does not read" leaves the
// module's bytes in their ring and holds its sends back. Every wait is bounded
// in time.

import { VirtualOwner, type VirtualSocket } from '../../../ts/transport/virtual/owner.js';
import type { TransportOwner } from '../../../ts/transport/types.js';
import { withTimeout } from '../echo-client.js';
import type { OwnedPeer } from './peers.js';
import { Received } from './received.js';
import type { PeerEnd } from './rig.js';

const READ_MS = 10_000;
const FLOOD_CHUNK = 64 * 1024;
/** Writes flood() keeps queued at most: enough to keep the network busy, not a pile in memory. */
const FLOOD_QUEUE = 4;

export class VirtualPeer implements OwnedPeer {
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly received = new Received();
  /** Bytes the network took from this end's writes. */
  private written = 0;
  /** Reads go on while fewer bytes than this wait in `received` (Infinity once startReading()). */
  private wanted = 0;
  private looping = false;
  private reading = false;
  private ended: PeerEnd | null = null;
  private error: { code?: string } | null = null;
  /** Reading failed other than by a reset (this end closed the connection). */
  private readError: { code?: string } | null = null;
  private waiters: (() => void)[] = [];

  static async connect(owner: TransportOwner, address?: { host: string; port: number }): Promise<VirtualPeer> {
    if (!(owner instanceof VirtualOwner)) throw new Error(`an in-process peer needs the virtual network's owner half, not ${owner.constructor.name}`);
    return new VirtualPeer(await owner.connect(address));
  }

  /** The page's end of a connection a module made to a page server. */
  static of(socket: VirtualSocket): VirtualPeer {
    return new VirtualPeer(socket);
  }

  private constructor(private readonly socket: VirtualSocket) {
    this.writer = socket.writable.getWriter();
    this.reader = socket.readable.getReader();
  }

  write(data: Uint8Array | string): void {
    // A copy: the network takes the chunk later, and the caller may reuse its buffer.
    const chunk = typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data);
    this.writer.write(chunk).then(
      () => (this.written += chunk.byteLength),
      (error: { code?: string }) => this.failed(error),
    );
  }

  end(): void {
    this.writer.close().catch((error: { code?: string }) => this.failed(error));
  }

  close(): void {
    this.socket.close();
  }

  reset(): void {
    this.socket.reset();
  }

  async read(n: number, ms = READ_MS): Promise<Uint8Array> {
    await withTimeout(`the peer reading ${n} bytes`, ms, this.until(() => this.received.length >= n, n, `${n} bytes`));
    return this.received.take(n);
  }

  async readToEnd(ms = READ_MS): Promise<{ bytes: Uint8Array; end: PeerEnd }> {
    this.startReading();
    await withTimeout('the peer reading to the end', ms, this.until(() => this.ended !== null, Infinity, 'the end'));
    return { bytes: this.received.take(this.received.length), end: this.ended! };
  }

  startReading(): void {
    this.reading = true;
    this.pull(Infinity);
  }

  async flood(ms: number): Promise<{ accepted: number; stalled: boolean }> {
    const chunk = new Uint8Array(FLOOD_CHUNK).fill(0x5a);
    const start = performance.now();
    let queued = 0;
    let halfway = -1;
    for (let t = 0; t < ms; t = performance.now() - start) {
      if (halfway < 0 && t >= ms / 2) halfway = this.written;
      if (this.error !== null) throw new Error(`the peer's socket failed while flooding: ${this.error.code ?? String(this.error)}`);
      for (; queued < FLOOD_QUEUE; queued++) {
        this.writer.write(chunk).then(
          () => {
            this.written += chunk.byteLength;
            queued--;
          },
          (error: { code?: string }) => this.failed(error),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const total = this.written;
    return { accepted: total, stalled: queued > 0 && total - halfway <= FLOOD_CHUNK };
  }

  dispose(): void {
    this.socket.close();
  }

  /** Reads until `done`; rejects once the connection ends or fails first. */
  private async until(done: () => boolean, wanted: number, what: string): Promise<void> {
    for (;;) {
      this.pull(wanted);
      if (done()) return;
      if (this.ended !== null || this.readError !== null) {
        const how = this.ended ?? this.readError?.code ?? String(this.readError);
        throw new Error(`the peer got ${this.received.length} bytes, then ${how}, before ${what}`);
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Reads (one read at a time) while fewer than `wanted` bytes wait in `received`. */
  private pull(wanted: number): void {
    this.wanted = this.reading ? Infinity : wanted;
    if (this.looping || this.ended !== null || this.readError !== null) return;
    this.looping = true;
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    try {
      while (this.ended === null && this.received.length < this.wanted) {
        const { value, done } = await this.reader.read();
        if (done) this.ended = 'eof';
        else {
          this.received.push(value);
        }
        this.notify();
      }
    } catch (error) {
      const failure = error as { code?: string };
      // A reset, as the reading side sees it: after the bytes that came before it.
      if (failure.code === 'ECONNRESET') this.ended = 'reset';
      else this.readError = failure;
      this.failed(failure);
    } finally {
      this.looping = false;
    }
  }

  private failed(error: { code?: string }): void {
    this.error ??= error;
    this.notify();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
