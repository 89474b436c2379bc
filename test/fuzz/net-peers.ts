// Real peers for a real transport: TCP clients on 127.0.0.1 that connect to
// the module's listeners and, at random, send bytes, stop or resume reading,
// half-close (FIN), close and reset (RST). Bounded: a few clients at a time,
// each alive a few seconds at most, with little unsent data.

import net from 'node:net';
import type { ListenAddress } from '../../ts/transport/types.js';
import type { Rng } from './rng.js';

const MAX_CLIENTS = 12;
const MAX_UNSENT = 256 * 1024;
const LIFETIME_MS = 4000;
const POOL_BYTES = 128 * 1024;

interface Client {
  name: string;
  socket: net.Socket;
  born: number;
}

export class NetPeers {
  private readonly clients = new Set<Client>();
  private readonly pool: Buffer;
  private timer: NodeJS.Timeout | null = null;
  private next = 0;
  actions = 0;

  constructor(
    private readonly addresses: readonly ListenAddress[],
    private readonly rng: Rng,
    private readonly log: (line: string) => void,
  ) {
    this.pool = Buffer.from(rng.bytes(POOL_BYTES));
    this.schedule();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const c of this.clients) c.socket.destroy();
    this.clients.clear();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.act();
      this.schedule();
    }, this.rng.range(1, 12));
  }

  private act(): void {
    const { rng } = this;
    const now = Date.now();
    for (const c of this.clients) if (now - c.born > LIFETIME_MS) this.end(c, 'reset');
    const live = Array.from(this.clients);
    const c = live.length > 0 ? rng.pick(live) : null;
    const action = rng.weighted<string>([
      ['connect', live.length < MAX_CLIENTS ? 30 : 0],
      ['write', c ? 35 : 0],
      ['pause', c ? 5 : 0],
      ['resume', c ? 8 : 0],
      ['fin', c ? 5 : 0],
      ['close', c ? 5 : 0],
      ['reset', c ? 5 : 0],
    ]);
    this.actions++;
    if (action === 'connect') return this.connect();
    if (c === null) return;
    switch (action) {
      case 'write': {
        if (c.socket.writableLength > MAX_UNSENT || !c.socket.writable) return;
        const size = rng.weighted<number>([
          [rng.range(1, 16), 50],
          [rng.range(17, 4096), 35],
          [rng.range(4097, POOL_BYTES), 15],
        ]);
        c.socket.write(this.pool.subarray(0, size));
        this.log(`peer ${c.name} writes ${size} B`);
        return;
      }
      case 'pause':
        c.socket.pause();
        this.log(`peer ${c.name} stops reading`);
        return;
      case 'resume':
        c.socket.resume();
        return;
      case 'fin':
        c.socket.end();
        this.log(`peer ${c.name} sends FIN`);
        return;
      default:
        this.end(c, action as 'close' | 'reset');
    }
  }

  private connect(): void {
    const address = this.rng.pick(this.addresses);
    const name = `c${this.next++}`;
    const socket = net.connect({ host: address.host, port: address.port, allowHalfOpen: true, noDelay: true });
    const client: Client = { name, socket, born: Date.now() };
    // Whatever the module does to the connection (reset, close) is its right.
    socket.on('error', () => this.clients.delete(client));
    socket.on('close', () => this.clients.delete(client));
    socket.on('data', () => {});
    this.clients.add(client);
    this.log(`peer ${name} connects to ${address.host}:${address.port}`);
  }

  private end(c: Client, how: 'close' | 'reset'): void {
    this.clients.delete(c);
    if (how === 'reset') c.socket.resetAndDestroy();
    else c.socket.destroy();
    this.log(`peer ${c.name} ${how === 'reset' ? 'resets' : 'closes'}`);
  }
}
