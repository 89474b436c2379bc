// serve() through the API under one JavaScript runtime: starts one server per
// cell named on the command line ("epoll/shim/kernel" = backend/runtime/
// transport), prints {cell: port} as one JSON line, waits for a line on
// stdin, closes them all and prints {cell: {code, stats}}: what each
// server's `finished` gave and what the host counted.
// test/runtimes-serve.test.ts talks to the servers in between.
//
//   <js runtime> dist/test/helpers/api-serve-child.js epoll/shim/kernel poll/node/node-net ...

import { serve, type Backend, type RuntimeName, type Server, type TransportName } from '../../ts/index.js';

const cells = process.argv.slice(2);
const servers = new Map<string, Server>();
for (const cell of cells) {
  const [backend, runtime, transport] = cell.split('/') as [Backend, RuntimeName, TransportName];
  servers.set(cell, await serve({ backend, runtime, transport, port: 0, stderr: 'ignore' }));
}
process.stdout.write(`${JSON.stringify(Object.fromEntries([...servers].map(([cell, s]) => [cell, s.address.port])))}\n`);
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
const ended: Record<string, { code: number | string; stats: unknown }> = {};
for (const [cell, server] of servers) {
  const stats = server.stats();
  await server.close();
  ended[cell] = { code: await server.finished.catch((error: Error) => error.message), stats };
}
process.stdout.write(`${JSON.stringify(ended)}\n`);
process.exit(0);
