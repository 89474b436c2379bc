// close() of a server with 2 instances while clients are in the middle of
// request/response exchanges: both instances stop with the grace, the server
// ends 0, and nothing the instances sent is lost: what the clients received
// is, byte for byte, what they sent (a prefix of it), and adds up to the bytes
// the instances' sends accepted.
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, serve } from '../ts/index.js';
import { connectMany, until } from './helpers/clients.js';
import { sleep } from './helpers/echo-client.js';

const CLIENTS = 64;
const MESSAGE = 1024;

/** Sends a message, waits for its whole echo, sends the next, until the server closes; counts what came back. */
function exchange(socket: net.Socket): { received: () => Buffer; sent: Buffer[]; done: Promise<void> } {
  const sent: Buffer[] = [];
  const chunks: Buffer[] = [];
  let got = 0;
  let expected = 0;
  const next = () => {
    if (!socket.writable) return;
    const message = randomBytes(MESSAGE);
    sent.push(message);
    expected += MESSAGE;
    socket.write(message);
  };
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    got += chunk.length;
    if (got === expected) next();
  });
  const done = new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
  });
  next();
  return { received: () => Buffer.concat(chunks), sent, done };
}

for (const backend of BACKENDS) {
  test(`${backend} node kernel: close() under load stops both instances and loses nothing they sent`, async () => {
    const server = await serve({ backend, transport: 'kernel', port: 0, instances: 2, stderr: 'ignore' });
    const sockets = await connectMany(CLIENTS, server.address.port);
    const clients = sockets.map(exchange);
    try {
      await until(() => server.stats().bytesOut > CLIENTS * MESSAGE * 4, 10_000, 'some exchanges');
      await sleep(50);
      await server.close();
      assert.is(await server.finished, 0);
      await Promise.race([Promise.all(clients.map((c) => c.done)), sleep(5000)]);
      let received = 0;
      for (const c of clients) {
        const got = c.received();
        received += got.length;
        assert.ok(got.equals(Buffer.concat(c.sent).subarray(0, got.length)), 'what came back is what was sent, in order');
      }
      const stats = server.stats();
      assert.ok(stats.instances.every((i) => i.accepted > 0), 'both instances served');
      assert.is(received, stats.bytesOut, 'every byte the instances sent reached its client');
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
}

test.run();
