// The server under soak: one the soak starts (a kind from bench/servers.ts)
// or one already running (--connect, optionally --pid).
import {
  allServerKinds,
  startServer,
  ServerStartError,
  type RunningServer,
  type ServeOptions,
} from '../servers.js';

const LISTEN_TIMEOUT_MS = 20_000;

export interface StopResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  graceful: boolean;
  /** The server's closing `stats: …` line, when it printed one. */
  stats: string | null;
}

export interface Target {
  /** For the report: what is being soaked, and how it was started. */
  label: string;
  port: number;
  pid: number | null;
  /** The server's stall timeout (ms); 0 when it never drops a peer that stopped reading. */
  stallTimeoutMs: number;
  notes: string[];
  /** Why the server is gone, when it ended by itself; null while it runs (or is not ours). */
  ended(): string | null;
  /** Stops a server the soak started; null for one it did not. */
  stop(): Promise<StopResult | null>;
}

// The soak speaks echo: the HTTP server's kinds are the bench's alone.
const echoKinds = () => allServerKinds().filter((k) => k.program === 'echo');
export const serverKindNames = (): string[] => echoKinds().map((k) => k.name);

export async function startTarget(kindName: string, stallTimeoutMs: number, transport?: string): Promise<Target> {
  const kind = echoKinds().find((k) => k.name === kindName);
  if (!kind) throw new ServerStartError(`unknown server kind ${kindName} (known: ${serverKindNames().join(', ')})`);
  const unavailable = await kind.unavailableReason();
  if (unavailable) throw new ServerStartError(`${kind.name} is unavailable: ${unavailable}`);
  const notes: string[] = [];
  const options: ServeOptions = { transport };
  let stall = stallTimeoutMs;
  if (kind.takes.includes('stallTimeoutMs')) {
    options.stallTimeoutMs = stallTimeoutMs;
    notes.push(`started with --stall-timeout ${stallTimeoutMs} (soak mode: short, so never-reading clients are dropped within the run)`);
  } else {
    stall = 0;
    notes.push(`${kind.name} has no stall timeout: never-reading clients are expected to be held, not dropped`);
  }
  if (transport) notes.push(`started with --transport ${transport}`);
  const server: RunningServer = await startServer(kind, [], LISTEN_TIMEOUT_MS, options);
  return {
    label: `${kind.name} (pid ${server.pid}, 127.0.0.1:${server.port})`,
    port: server.port,
    pid: server.pid,
    stallTimeoutMs: stall,
    notes,
    ended: () => {
      const exit = server.exited();
      if (!exit) return null;
      const tail = server.stderrTail();
      return `exited during the run (code ${exit.code}, signal ${exit.signal})${tail ? `: ${tail}` : ''}`;
    },
    stop: async () => {
      const exit = await server.stop();
      const stats = server.stderrTail().split(' | ').reverse().find((line) => line.startsWith('stats: ')) ?? null;
      return { ...exit, stats };
    },
  };
}

export function connectTarget(port: number, pid: number | undefined, stallTimeoutMs: number): Target {
  const notes = [
    stallTimeoutMs > 0
      ? `expects the server to have been started with --stall-timeout ${stallTimeoutMs} (say otherwise with --stall-timeout)`
      : 'expects a server that never drops a client that stopped reading (--stall-timeout 0)',
  ];
  if (pid === undefined) notes.push('no --pid: RSS, CPU and fd figures are n/a');
  return {
    label: `127.0.0.1:${port}${pid === undefined ? '' : ` (pid ${pid})`}, already running`,
    port,
    pid: pid ?? null,
    stallTimeoutMs,
    notes,
    ended: () => null,
    stop: async () => null,
  };
}
