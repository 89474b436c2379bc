// The in-memory network as a kind under contract: the module half and its
// MemoryClient peers all live in the test's thread, on the network's virtual
// clock. Nothing happens between calls unless the test does it, so a peer
// acts as a socket would between the module's calls: after every call it
// pushes what it still has to write (and its FIN) as room opens, and, once it
// started reading, reads what the module sent.

import type { SocketAddress } from '../../../ts/transport/address.js';
import { MemoryNetwork, type MemoryClient, type MemoryServer } from '../../../ts/transport/memory/network.js';
import type { Handle } from '../../../ts/transport/types.js';
import { runCall } from './calls.js';
import { Received } from './received.js';
import { ModuleHalf } from './module-half.js';
import { DEFAULT_LIMIT, type KindUnderTest, type Peer, type PeerEnd, type RemoteServer, type Rig, type RigOptions } from './rig.js';

/** flood() writes at most this much into a network that never pushes back, then reports it. */
const FLOOD_MAX = 64 * 1024 * 1024;

class MemoryPeer implements Peer {
  private outbox: Uint8Array[] = [];
  private finPending = false;
  private closePending = false;
  private finSent = false;
  private closed = false;
  private reading = false;
  private readonly received = new Received();

  constructor(private readonly client: MemoryClient) {}

  write(data: Uint8Array | string): void {
    this.outbox.push(typeof data === 'string' ? new TextEncoder().encode(data) : data.slice());
    this.pump();
  }

  end(): void {
    this.finPending = true;
    this.pump();
  }

  close(): void {
    this.closePending = true;
    this.pump();
  }

  reset(): void {
    this.outbox = [];
    this.client.reset();
  }

  async read(n: number): Promise<Uint8Array> {
    this.pull(n - this.received.length);
    if (this.received.length < n) throw new Error(`the peer got ${this.received.length} of ${n} bytes: the module sent no more`);
    return this.received.take(n);
  }

  async readToEnd(): Promise<{ bytes: Uint8Array; end: PeerEnd }> {
    this.startReading();
    const end = this.client.wasReset ? 'reset' : this.client.eof ? 'eof' : null;
    if (end === null) throw new Error(`the connection has not ended (the peer got ${this.received.length} bytes)`);
    return { bytes: this.received.take(this.received.length), end };
  }

  startReading(): void {
    this.reading = true;
    this.pump();
  }

  async flood(): Promise<{ accepted: number; stalled: boolean }> {
    const chunk = new Uint8Array(64 * 1024).fill(0x5a);
    let accepted = 0;
    while (accepted < FLOOD_MAX) {
      const n = this.client.write(chunk);
      if (n < 0) throw new Error(`the network refused the peer's bytes (errno ${-n})`);
      if (n === 0) return { accepted, stalled: true };
      accepted += n;
    }
    return { accepted, stalled: false };
  }

  /** What a socket does between the module's calls: send what fits, then FIN; read if reading. */
  pump(): void {
    while (this.outbox.length > 0 && !this.client.wasReset) {
      const head = this.outbox[0]!;
      const n = this.client.write(head);
      if (n < 0) {
        this.outbox = [];
        break;
      }
      if (n === head.length) this.outbox.shift();
      else {
        this.outbox[0] = head.subarray(n);
        break;
      }
    }
    if (this.outbox.length === 0 && !this.client.wasReset) {
      if (this.closePending && !this.closed) {
        this.closed = true;
        this.client.close();
      } else if (this.finPending && !this.finSent) {
        this.finSent = true;
        this.client.end();
      }
    }
    if (this.reading) this.pull(Number.MAX_SAFE_INTEGER);
  }

  private pull(max: number): void {
    if (max <= 0) return;
    const bytes = this.client.read(max);
    if (bytes.length === 0) return;
    this.received.push(bytes);
  }
}

class MemoryRig implements Rig {
  readonly kind = 'memory';
  readonly kernelBuffered = false;
  readonly limits: { inbound: number; outbound: number };
  readonly module: ModuleHalf;
  private readonly net: MemoryNetwork;
  private readonly peers: MemoryPeer[] = [];
  private readonly errors: unknown[] = [];

  constructor(options: RigOptions) {
    const inbound = options.limits?.inbound ?? DEFAULT_LIMIT;
    const outbound = options.limits?.outbound ?? DEFAULT_LIMIT;
    if (inbound !== outbound) throw new Error(`the memory network has one buffer size for both directions: inbound ${inbound} and outbound ${outbound} differ`);
    this.limits = { inbound, outbound };
    this.net = new MemoryNetwork({ listeners: 1, bufferSize: inbound });
    const changed: Handle[] = [];
    this.net.onChange = (handle) => changed.push(handle);
    this.module = new ModuleHalf(this.net.listeners, async (call) => {
      const answer = runCall(this.net, call, () => this.net.now(), changed);
      for (const peer of this.peers) peer.pump();
      return answer;
    });
  }

  get control() {
    return this.net.control;
  }

  async connect(): Promise<Peer> {
    const client = this.net.connect();
    if (client === null) throw new Error('the memory network refused the connection');
    return this.peer(client);
  }

  async serve(): Promise<RemoteServer> {
    const server = this.net.serve();
    let taken = 0;
    return {
      address: server.address,
      get count() {
        return server.connections.length;
      },
      // Connections reach the server inside the module half's wait(): by now, or never.
      accepted: async () => {
        const client = server.connections[taken];
        if (client === undefined) throw new Error(`no connection reached the test server (it has ${taken})`);
        taken++;
        return this.peer(client);
      },
    };
  }

  async refusing(): Promise<SocketAddress> {
    // Nothing serves or listens there on this network.
    return { family: 4, host: '127.0.0.1', port: 9 };
  }

  async stalled(): Promise<SocketAddress> {
    const server: MemoryServer = this.net.serve();
    server.hold();
    return server.address;
  }

  async connectTo(address: SocketAddress): Promise<Peer> {
    const client = this.net.connectTo(address);
    if (client === null) throw new Error(`the memory network refused the connection to ${address.host}:${address.port}`);
    return this.peer(client);
  }

  private peer(client: MemoryClient): MemoryPeer {
    const peer = new MemoryPeer(client);
    this.peers.push(peer);
    return peer;
  }

  later(ms: number, action: () => unknown): void {
    this.net.after(ms, () => {
      try {
        const result = action();
        if (result instanceof Promise) result.catch((error: unknown) => this.errors.push(error));
      } catch (error) {
        this.errors.push(error);
      }
    });
  }

  requestStop(): void {
    this.net.stop();
  }

  now(): number {
    return this.net.now();
  }

  async dispose(): Promise<unknown[]> {
    return this.errors;
  }
}

export const memoryKind: KindUnderTest = {
  name: 'memory',
  unavailable: async () => null,
  open: async (options) => new MemoryRig(options),
};
