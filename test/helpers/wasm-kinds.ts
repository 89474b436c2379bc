// The C core in wasm, as the behaviour suite's servers (see servers.ts):
// behind the facade (serve(), in this process) and behind the CLI (its own
// process), for every backend × runtime × transport.

import { RUNTIMES, serve, TRANSPORTS, type Backend, type RuntimeName, type TransportName } from '../../ts/index.js';
import { CLI } from './cli.js';
import { BACKENDS, coreArgs, parseStats, startListeningProcess, type ServerKind } from './servers.js';

export function facadeKind(backend: Backend, runtime: RuntimeName, transport: TransportName): ServerKind {
  return {
    name: `facade ${backend} ${runtime} ${transport}`,
    transport,
    backend,
    process: false,
    native: false,
    async start(o = {}) {
      let stderr = '';
      const server = await serve({
        backend,
        runtime,
        transport,
        port: 0,
        maxConns: o.maxConns,
        maxPending: o.maxPending,
        stallTimeoutMs: o.stallTimeoutMs,
        verbose: o.verbose,
        stderr: (bytes) => (stderr += Buffer.from(bytes).toString('utf8')),
      });
      return {
        port: server.address.port,
        stderr: () => stderr,
        async stop() {
          await server.close();
          const code = await server.finished.catch(() => null);
          return { code, stats: parseStats(stderr) };
        },
      };
    },
  };
}

export function cliKind(backend: Backend, runtime: RuntimeName, transport: TransportName): ServerKind {
  return {
    name: `cli ${backend} ${runtime} ${transport}`,
    transport,
    backend,
    process: true,
    native: false,
    start: (o = {}) =>
      startListeningProcess(
        process.execPath,
        [CLI, 'serve', '--backend', backend, '--runtime', runtime, '--transport', transport, '--port', '0', ...coreArgs(o)],
        o.fdLimit,
      ),
  };
}

export function wasmKinds(): ServerKind[] {
  return TRANSPORTS.flatMap((transport) =>
    BACKENDS.flatMap((backend) => RUNTIMES.flatMap((runtime) => [facadeKind(backend, runtime, transport), cliKind(backend, runtime, transport)])),
  );
}
