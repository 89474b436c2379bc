// The baseline a Node user would write: node:net with socket.pipe(socket),
// which already honours backpressure. Prints `listening on HOST:PORT` (the
// real port when 0) like the native echo servers, so the harness treats every
// server the same way.
// usage: node dist/bench/node-echo.js [--host 127.0.0.1] [--port 0]
import * as net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
  },
  strict: true,
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`node-echo: --port must be an integer in [0, 65535], got ${values.port}`);
  process.exit(2);
}

let accepted = 0;
let closed = 0;
const server = net.createServer((socket) => {
  accepted++;
  // A peer reset is routine under load; without a listener it would throw.
  socket.on('error', () => {});
  socket.on('close', () => closed++);
  socket.pipe(socket);
});
server.on('error', (err) => {
  console.error(`node-echo: ${err.message}`);
  process.exit(1);
});
// The default backlog (511) drops SYNs when thousands of idle connections arrive at once.
server.listen({ host: values.host, port, backlog: 4096 }, () => {
  const address = server.address() as net.AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  process.stdout.write(`listening on ${host}:${address.port}\n`);
});

function stop(): void {
  console.error(`stats: accepted=${accepted} closed=${closed}`);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
