// RST storm: bursts of clients that connect, send, and reset (SO_LINGER 0)
// either at once or after the first echoed bytes, so resets land while the
// server is reading, echoing, or holding unsent output.
import type net from 'node:net';
import { connect, sleep } from '../../../test/helpers/echo-client.js';
import { CONNECT_MS } from '../echo-conn.js';
import { randomChunk, randomInt } from '../random-data.js';
import { errorText, own, running, type Scenario, type SoakContext } from '../scenario.js';

const BURST = 32;
const PAUSE_MS = 200;
const MAX_SEND = 32 * 1024;
const ECHO_MS = 5000;
const RETRY_PAUSE_MS = 200;

/** Resolves true when the first echoed byte arrives, false when the socket ends or fails first. */
function firstEcho(socket: net.Socket): Promise<boolean> {
  return new Promise((resolve) => {
    socket.once('data', () => resolve(true));
    socket.once('close', () => resolve(false));
  });
}

async function rude(ctx: SoakContext): Promise<void> {
  let socket: net.Socket;
  try {
    socket = own(ctx, await connect(ctx.port, CONNECT_MS));
  } catch (error) {
    ctx.tally.error(`rst-storm: connect: ${errorText(error)}`);
    await sleep(RETRY_PAUSE_MS);
    return;
  }
  ctx.tally.connections++;
  const failed = { error: null as Error | null };
  socket.on('error', (error) => (failed.error ??= error));
  const chunk = randomChunk(randomInt(1, MAX_SEND));
  const echoed = firstEcho(socket);
  socket.write(chunk);
  ctx.tally.bytesSent += chunk.length;
  if (Math.random() < 0.5) {
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([echoed, new Promise<null>((r) => (timer = setTimeout(() => r(null), ECHO_MS)))]);
    clearTimeout(timer);
    if (answered === null) {
      ctx.tally.error(`rst-storm: no echo within ${ECHO_MS} ms`);
      socket.resetAndDestroy();
      return;
    }
  } else {
    await sleep(randomInt(0, 5));
  }
  if (failed.error || socket.destroyed) {
    const why = failed.error?.message ?? 'closed';
    ctx.tally.error(`rst-storm: the server ended a connection before the client reset it (${why})`);
    socket.destroy();
    return;
  }
  socket.resetAndDestroy();
  ctx.tally.completed++;
}

export const rstStorm: Scenario = {
  name: 'rst-storm',
  load: `bursts of ${BURST} clients every ${PAUSE_MS} ms: connect, send 1 B–${MAX_SEND / 1024} KiB, reset (half at once, half after the first echo)`,
  run: async (ctx) => {
    while (running(ctx)) {
      await Promise.all(Array.from({ length: BURST }, () => rude(ctx)));
      await sleep(PAUSE_MS);
    }
  },
};
