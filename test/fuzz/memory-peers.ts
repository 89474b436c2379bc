// Peers on the in-memory network: clients that connect to the module's
// listeners, send bytes, read some, half-close, close and reset, at random.
// They act between the module's calls and, scheduled on the network's clock,
// during its waits (so a blocked call is sometimes woken by a peer).

import type { MemoryClient, MemoryNetwork } from '../../ts/transport/memory/network.js';
import type { Rng } from './rng.js';

/** Clients alive at most. */
const MAX_CLIENTS = 12;
/** The largest write. */
const POOL_BYTES = 128 * 1024;

export class MemoryPeers {
  private readonly clients: MemoryClient[] = [];
  private nextName = 0;
  private readonly names = new Map<MemoryClient, string>();
  /** What the peers send: seeded bytes, sliced. */
  private readonly pool: Uint8Array;
  actions = 0;

  constructor(
    private readonly net: MemoryNetwork,
    private readonly rng: Rng,
    private readonly log: (line: string) => void,
  ) {
    this.pool = rng.bytes(POOL_BYTES);
  }

  /** Maybe one action now, maybe one scheduled a little later. */
  maybeAct(): void {
    if (this.rng.chance(0.3)) this.act();
    if (this.rng.chance(0.1)) this.net.after(this.rng.range(0, 60), () => this.act());
  }

  private act(): void {
    const { rng, net } = this;
    this.actions++;
    const client = this.clients.length > 0 ? rng.pick(this.clients) : null;
    const action = rng.weighted<string>([
      ['connect', this.clients.length < MAX_CLIENTS ? 30 : 0],
      ['write', client ? 35 : 0],
      ['read', client ? 15 : 0],
      ['fin', client ? 5 : 0],
      ['close', client ? 5 : 0],
      ['reset', client ? 5 : 0],
      ['forget', client ? 5 : 0],
    ]);
    switch (action) {
      case 'connect': {
        const listener = rng.pick(net.listeners);
        const c = net.connect(listener);
        const name = `c${this.nextName++}`;
        if (c !== null) {
          this.clients.push(c);
          this.names.set(c, name);
        }
        this.log(`peer ${name} connects to listener ${listener}${c === null ? ': refused' : ''}`);
        return;
      }
      case 'write': {
        const size = rng.weighted<number>([
          [rng.range(1, 16), 50],
          [rng.range(17, 4096), 35],
          [rng.range(4097, POOL_BYTES), 15],
        ]);
        const n = client!.write(this.pool.subarray(0, size));
        this.log(`peer ${this.names.get(client!)} writes ${size} B: ${n}`);
        return;
      }
      case 'read':
        this.log(`peer ${this.names.get(client!)} reads ${client!.read(rng.range(1, 65536)).length} B`);
        return;
      case 'fin':
        client!.end();
        this.log(`peer ${this.names.get(client!)} sends FIN`);
        return;
      case 'close':
        client!.close();
        this.log(`peer ${this.names.get(client!)} closes`);
        this.drop(client!);
        return;
      case 'reset':
        client!.reset();
        this.log(`peer ${this.names.get(client!)} resets`);
        this.drop(client!);
        return;
      case 'forget':
        // Stays connected but never acts again: a silent peer.
        this.drop(client!);
        return;
    }
  }

  private drop(client: MemoryClient): void {
    this.clients.splice(this.clients.indexOf(client), 1);
  }
}
