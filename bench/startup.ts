// Start to first echo, many times over, interleaved: Node's `net` echo, and
// the wasm echo core under the CLI with the module on the CLI's starting
// thread (the kernel transport's default) and in a worker thread (`--worker`),
// each spawned fresh and pinned like the bench's servers. `npm run bench`
// takes one such sample per server per round; this takes many, for the
// start-up figures alone. Medians and minimums (the least disturbed start).
// usage: node dist/bench/startup.js [--runs N] [--backend epoll|poll|select]

import { parseArgs } from 'node:util';
import { timeFirstEcho } from './first-echo.js';
import { repoRoot, startServer, type ServerKind } from './servers.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' }, backend: { type: 'string', default: 'epoll' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || !['epoll', 'poll', 'select'].includes(values.backend!)) {
  console.error('usage: node dist/bench/startup.js [--runs N] [--backend epoll|poll|select]');
  process.exit(2);
}

function kind(name: string, args: (port: number) => string[]): ServerKind {
  return {
    name,
    runtime: 'wasm',
    program: 'echo',
    listeningOn: 'stdout',
    takes: [],
    unavailableReason: async () => null,
    command: (port) => ({ file: process.execPath, args: args(port) }),
  };
}
const cli = (port: number, ...more: string[]) => [
  `${repoRoot}bin/wasi-evloop.js`, 'serve', '--backend', values.backend!, '--transport', 'kernel', '--host', '127.0.0.1', '--port', String(port), ...more,
];
const kinds = [
  kind('node-echo', (port) => [`${repoRoot}dist/bench/node-echo.js`, '--host', '127.0.0.1', '--port', String(port)]),
  kind(`wasm ${values.backend}, kernel, starting thread`, (port) => cli(port)),
  kind(`wasm ${values.backend}, kernel, --worker`, (port) => cli(port, '--worker')),
];

// As the bench pins its servers: CPU 1 when there are two or more.
const { availableParallelism } = await import('node:os');
const pin = availableParallelism() > 1 ? ['taskset', '-c', '1'] : [];
const times = new Map(kinds.map((k) => [k.name, [] as number[]]));
for (let i = 0; i < runs; i++) {
  for (const k of kinds) {
    const server = await startServer(k, pin, 20_000);
    try {
      times.get(k.name)!.push(await timeFirstEcho(server.port, server.spawnedAt, 20_000));
    } finally {
      await server.stop();
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const echo = median(times.get('node-echo')!);
console.log(`start → first echo, ${runs} interleaved starts each, ${pin.length ? 'pinned to CPU 1' : 'not pinned'}; Node ${process.version}`);
for (const [name, xs] of times) {
  const m = median(xs);
  console.log(`${name.padEnd(36)} median ${m.toFixed(1).padStart(7)} ms (${(m / echo).toFixed(2)}x node-echo)  min ${Math.min(...xs).toFixed(1)} ms`);
}
