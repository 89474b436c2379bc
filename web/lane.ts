// One backend's lane on the lesson page: its echo server (its own Web Worker),
// the active clients that ping-pong 64-byte requests and verify every echoed
// byte, and the idle connections that only hold a descriptor open. An idle
// connection the server closes at once was refused (select past FD_SETSIZE).

import { serve, type Backend, type BrowserServer, type VirtualSocket } from '../ts/browser/index.js';

const REQUEST_BYTES = 64;
/** Idle connections opened per step; the next step waits until the server took them. */
const IDLE_BATCH = 250;
const ACCEPT_WAIT_MS = 5000;

export interface LaneCounts {
  echoes: number;
  verifiedBytes: number;
  refused: number;
  idleHeld: number;
  failures: number;
}

export class Lane {
  readonly counts: LaneCounts = { echoes: 0, verifiedBytes: 0, refused: 0, idleHeld: 0, failures: 0 };
  lastFailure = '';
  private server: BrowserServer | null = null;
  private readonly idle = new Set<VirtualSocket>();
  private readonly active: { stop: () => void; done: Promise<void> }[] = [];
  private opened = 0;

  constructor(readonly backend: Backend) {}

  async start(log: (line: string) => void): Promise<void> {
    let partial = '';
    this.server = await serve({
      backend: this.backend,
      port: 7007,
      // 64-byte requests need little room; small rings keep 10,000 connections cheap.
      limits: { inbound: 4096, outbound: 4096, acceptBacklog: 4096 },
      connections: 12_000,
      // Whole lines only: the core's output arrives in pieces.
      stderr: (text) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop()!;
        for (const line of lines) if (line.trim() !== '') log(`${this.backend}: ${line}`);
      },
    });
  }

  async stop(): Promise<void> {
    const clients = this.active.splice(0);
    for (const client of clients) client.stop();
    for (const socket of this.idle) socket.close();
    this.idle.clear();
    this.counts.idleHeld = 0;
    await this.server?.close();
    this.server = null;
    // The server's close ended every connection, so no client is left waiting for an echo.
    await Promise.all(clients.map((client) => client.done));
  }

  /** Runs `n` ping-pong clients (starting or stopping some). */
  setActive(n: number): void {
    while (this.active.length > n) this.active.pop()!.stop();
    while (this.active.length < n) this.active.push(this.pingPong(this.active.length));
  }

  /** Holds `n` idle connections (opening or closing some); resolves when the server took them. */
  async setIdle(n: number): Promise<void> {
    const server = this.server;
    if (server === null) return;
    while (this.idle.size > n) {
      const socket = this.idle.values().next().value!;
      this.idle.delete(socket);
      socket.close();
    }
    this.counts.idleHeld = this.idle.size;
    // Each level asks for n; select refuses what is past its cap, and those are not retried.
    const toOpen = n - this.idle.size;
    for (let opened = 0; opened < toOpen && this.server === server; ) {
      const batch = Math.min(IDLE_BATCH, toOpen - opened);
      for (let i = 0; i < batch; i++) await this.openIdle(server);
      opened += batch;
      await this.untilAccepted(server);
    }
  }

  private async openIdle(server: BrowserServer): Promise<void> {
    this.opened++;
    let socket: VirtualSocket;
    try {
      socket = await server.connect();
    } catch {
      this.counts.refused++;
      return;
    }
    this.idle.add(socket);
    this.counts.idleHeld = this.idle.size;
    // An idle client never writes; the only thing it can read is the end.
    socket.readable
      .getReader()
      .read()
      .then(
        (r) => r.done,
        () => true,
      )
      .then((ended) => {
        if (!ended || !this.idle.delete(socket)) return;
        this.counts.refused++;
        this.counts.idleHeld = this.idle.size;
        socket.close();
      });
  }

  private async untilAccepted(server: BrowserServer): Promise<void> {
    const deadline = performance.now() + ACCEPT_WAIT_MS;
    while (server.stats().accepted + server.stats().refused < this.opened && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private pingPong(id: number): { stop: () => void; done: Promise<void> } {
    let running = true;
    const done = (async () => {
      const server = this.server;
      if (server === null) return;
      let socket: VirtualSocket | null = null;
      const request = new Uint8Array(REQUEST_BYTES);
      let seq = 0;
      try {
        socket = await server.connect();
        this.opened++;
        const writer = socket.writable.getWriter();
        const reader = socket.readable.getReader();
        while (running) {
          seq++;
          for (let i = 0; i < REQUEST_BYTES; i++) request[i] = (seq * 31 + i * 7 + id) & 0xff;
          await writer.write(request.slice());
          let got = 0;
          while (got < REQUEST_BYTES) {
            const { value, done: ended } = await reader.read();
            if (ended) throw new Error(`the ${this.backend} server closed an active client after ${this.counts.echoes} echoes`);
            for (let i = 0; i < value.byteLength; i++) {
              if (value[i] !== request[got + i]) throw new Error(`byte ${got + i} of echo ${seq} differs`);
            }
            got += value.byteLength;
          }
          this.counts.echoes++;
          this.counts.verifiedBytes += REQUEST_BYTES;
        }
      } catch (error) {
        if (running) {
          this.counts.failures++;
          this.lastFailure = error instanceof Error ? error.message : String(error);
        }
      } finally {
        socket?.close();
      }
    })();
    return { stop: () => void (running = false), done };
  }
}
