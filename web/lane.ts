// One backend's lane on the lesson page: its echo server (its own Web
// Worker) and its clients — the repository's C load generator compiled to
// wasm (wasm/echo-client.wasm), in a Web Worker of its own — on a virtual
// network of the lane's own. The client holds the idle connections and runs
// the active ping-pong ones (64-byte requests, every echoed byte verified),
// dialling the server from its worker with WASIX sockets, so the bytes go
// from worker to worker and the page's thread only draws what the client
// reports (a progress line every PROGRESS_MS). An idle connection the server
// ends at once was refused (select past FD_SETSIZE).
//
// A change of load starts a new client with the new counts (the old one is
// stopped, and what it counted is kept).

import { createNetwork, run, serve, type Backend, type BrowserServer, type VirtualNetwork } from '../ts/browser/index.js';

const REQUEST_BYTES = 64;
const PORT = 7007;
const PROGRESS_MS = 250;
/** How long a new client may take to have every connection accepted (or refused) by the server. */
const ACCEPT_WAIT_MS = 30_000;
const CLIENT = new URL('../../wasm/echo-client.wasm', import.meta.url);

export interface LaneCounts {
  echoes: number;
  verifiedBytes: number;
  refused: number;
  idleHeld: number;
  failures: number;
}

interface Progress {
  echoes: number;
  idle: number;
  refused: number;
  failures: number;
  connecting: number;
}

/** One run of the client: its counts so far, and how to stop it. */
interface Client {
  progress: Progress;
  stop(): void;
  /** Settles when the client's module has ended. */
  done: Promise<void>;
  /** Resolves at the client's first progress line with every connection's outcome known. */
  connected: Promise<void>;
}

const NONE: Progress = { echoes: 0, idle: 0, refused: 0, failures: 0, connecting: 0 };

export class Lane {
  readonly counts: LaneCounts = { echoes: 0, verifiedBytes: 0, refused: 0, idleHeld: 0, failures: 0 };
  lastFailure = '';
  private network: VirtualNetwork | null = null;
  private server: BrowserServer | null = null;
  private client: Client | null = null;
  /** What the clients that ended counted. */
  private before: Progress = { ...NONE };
  private active = 0;
  private idle = 0;
  /** Serialises client restarts: one at a time, in order. */
  private changes: Promise<void> = Promise.resolve();

  constructor(readonly backend: Backend) {}

  async start(log: (line: string) => void): Promise<void> {
    let partial = '';
    // 64-byte requests need little room; small rings keep 10,000 connections cheap.
    this.network = createNetwork({ limits: { inbound: 4096, outbound: 4096, acceptBacklog: 4096 }, connections: 12_000, modules: 2 });
    this.server = await serve({
      backend: this.backend,
      port: PORT,
      network: this.network,
      // Whole lines only: the core's output arrives in pieces.
      stderr: (text) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop()!;
        for (const line of lines) if (line.trim() !== '') log(`${this.backend}: ${line}`);
      },
    });
  }

  async stop(): Promise<void> {
    this.active = 0;
    this.idle = 0;
    await this.change(async () => {
      await this.stopClient();
      await this.server?.close();
      this.server = null;
      await this.network?.close();
      this.network = null;
    });
  }

  /** Runs `n` ping-pong connections (a new client with the idle ones it holds). */
  setActive(n: number): void {
    this.active = n;
    void this.change(() => this.restart());
  }

  /** Holds `n` idle connections; resolves once the server took (or refused) every connection. */
  setIdle(n: number): Promise<void> {
    this.idle = n;
    return this.change(() => this.restart());
  }

  private change(step: () => Promise<void>): Promise<void> {
    this.changes = this.changes.then(step).catch((error: unknown) => {
      this.counts.failures++;
      this.lastFailure = error instanceof Error ? error.message : String(error);
    });
    return this.changes;
  }

  private async restart(): Promise<void> {
    await this.stopClient();
    const server = this.server;
    if (server === null || this.active + this.idle === 0) return;
    const stats = server.stats();
    const taken = stats.accepted + stats.refused;
    const client = this.startClient(this.active, this.idle);
    this.client = client;
    await client.connected;
    // The server decides about each connection when it accepts it (select refuses past its cap).
    const deadline = performance.now() + ACCEPT_WAIT_MS;
    const wanted = this.active + this.idle;
    while (this.client === client && performance.now() < deadline) {
      const now = server.stats();
      if (now.accepted + now.refused - taken >= wanted) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    if (client === null) return;
    this.client = null;
    client.stop();
    await client.done;
    for (const key of ['echoes', 'refused', 'failures'] as const) this.before[key] += client.progress[key];
    this.show(NONE);
  }

  private startClient(active: number, idle: number): Client {
    const abort = new AbortController();
    const progress: Progress = { ...NONE };
    let partial = '';
    let onConnected!: () => void;
    const connected = new Promise<void>((resolve) => (onConnected = resolve));
    const args = ['--host', '127.0.0.1', '--port', String(PORT), '--conns', String(Math.max(active, 1)), '--idle', String(idle)];
    args.push('--size', String(REQUEST_BYTES), '--warmup', '0', '--duration', '0', '--progress', String(PROGRESS_MS), '--connect-budget', '60');
    const done = run(CLIENT, {
      network: this.network!,
      name: `echo-client (${this.backend})`,
      args,
      allowConnect: [`127.0.0.1:${PORT}`],
      signal: abort.signal,
      stdout: (text) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          const m = /^progress echoes=(\d+) idle=(\d+) refused=(\d+) failures=(\d+) connecting=(\d+)$/.exec(line);
          if (m === null) continue;
          [progress.echoes, progress.idle, progress.refused, progress.failures, progress.connecting] = m.slice(1).map(Number) as [number, number, number, number, number];
          if (this.client?.progress === progress) this.show(progress);
          if (progress.connecting === 0) onConnected();
        }
      },
      stderr: (text) => {
        if (text.trim() !== '') this.lastFailure = text.trim();
      },
    }).then(
      (code) => {
        if (code !== 0 && !abort.signal.aborted) throw new Error(`the ${this.backend} client exited with ${code}: ${this.lastFailure}`);
      },
      (error: unknown) => {
        if (!abort.signal.aborted) throw error;
      },
    );
    done.catch(() => {}).finally(onConnected);
    return {
      progress,
      // With no active connection wanted, one still runs (the client needs one): its echoes are not shown.
      stop: () => abort.abort(),
      done: done.catch((error: unknown) => {
        progress.failures++;
        this.lastFailure = error instanceof Error ? error.message : String(error);
      }),
      connected,
    };
  }

  private show(now: Progress): void {
    const echoes = this.before.echoes + (this.active > 0 ? now.echoes : 0);
    this.counts.echoes = echoes;
    this.counts.verifiedBytes = echoes * REQUEST_BYTES;
    this.counts.refused = this.before.refused + now.refused;
    this.counts.idleHeld = now.idle;
    this.counts.failures = this.before.failures + now.failures;
  }
}
