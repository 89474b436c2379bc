// The benchmark's HTTP server (c/http_mio.c) as each test starts it: built
// natively, and as wasm under run() on every runtime × transport. Each one
// listens on 127.0.0.1, port 0, and is stopped the way its host stops it
// (SIGTERM natively, run()'s AbortSignal under wasm).
import { RUNTIMES, TRANSPORTS } from '../../ts/index.js';
import { withTimeout } from './echo-client.js';
import { runStoppable } from './run-listening.js';
import { REPO, startListeningProcess } from './servers.js';

export interface RunningHttp {
  port: number;
  /** Stops the server; resolves with its exit code and everything it wrote to stderr. */
  stop(): Promise<{ code: number | null; stderr: string }>;
}

export interface HttpServerKind {
  name: string;
  start(): Promise<RunningHttp>;
}

const native: HttpServerKind = {
  name: 'native',
  start: async () => {
    const server = await startListeningProcess(`${REPO}build/http-mio`, ['--listen', '127.0.0.1:0']);
    return {
      port: server.port,
      stop: async () => ({ code: (await server.stop()).code, stderr: server.stderr() }),
    };
  },
};

const wasm = (runtime: (typeof RUNTIMES)[number], transport: (typeof TRANSPORTS)[number]): HttpServerKind => ({
  name: `wasm ${runtime} ${transport}`,
  start: async () => {
    const server = runStoppable(`${REPO}wasm/http-mio.wasm`, { runtime, transport });
    const { port } = await server.address;
    return {
      port,
      stop: async () => {
        server.stop();
        const code = await withTimeout('the module to exit', 10_000, server.exit);
        return { code, stderr: server.stderr() };
      },
    };
  },
});

export const HTTP_SERVER_KINDS: readonly HttpServerKind[] = [
  native,
  ...TRANSPORTS.flatMap((transport) => RUNTIMES.map((runtime) => wasm(runtime, transport))),
];

/** The stats line http_mio prints on stderr as it exits. */
export function httpStats(stderr: string): Record<string, number> | undefined {
  const line = /^stats: (.*)$/m.exec(stderr)?.[1];
  if (!line) return undefined;
  return Object.fromEntries(line.split(' ').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
}
