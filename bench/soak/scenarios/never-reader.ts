// Never-reading clients: they send whenever the server takes bytes and read
// nothing. The core stops reading them at its high-water mark and drops each
// once its output has not moved for --stall-timeout; the figure is the time
// from connect to that drop, which the client learns from the reset its
// writes meet. Because the client keeps offering bytes, a server that goes on
// reading (and discarding) a peer it has given up on, instead of resetting
// it, shows as a late drop and as "read from again after stalling".
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect, sleep } from '../../../test/helpers/echo-client.js';
import { CONNECT_MS } from '../echo-conn.js';
import { randomChunk } from '../random-data.js';
import { errorText, lanes, own, type Scenario, type SoakContext } from '../scenario.js';

const LANES = 4;
const WRITE = 64 * 1024;
// The flood's pace: at most this much per tick, 20 MiB/s per client.
const TICK_MS = 100;
const TICK_BYTES = 2 << 20;
// With no stall timeout, how long a client floods before it gives up.
const HOLD_MS = 5000;
const RETRY_PAUSE_MS = 200;
// Time to fill the buffers before the core pauses, and to see the reset.
const DROP_GRACE_MS = 2000;

/**
 * The latest acceptable connect-to-drop time: the timeout itself, plus up to
 * a quarter of it because the core sweeps for stalled peers every
 * stall/4 ms, plus the time to fill the buffers and notice the reset.
 */
export function dropLimitMs(stallTimeoutMs: number): number {
  return stallTimeoutMs + stallTimeoutMs / 4 + DROP_GRACE_MS;
}

/** Resolves on 'drain' or 'close', or after `ms`. */
function drainOrClose(socket: net.Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    socket.once('drain', done);
    socket.once('close', done);
  });
}

/** Floods `socket` until it closes or `until` (performance.now()); the bytes offered. */
async function flood(ctx: SoakContext, socket: net.Socket, started: number, until: number): Promise<number> {
  let offered = 0;
  let blockedSince: number | null = null;
  let readAgainSeen = false;
  while (!socket.destroyed && performance.now() < until) {
    const tickEnd = Math.min(until, performance.now() + TICK_MS);
    if (!socket.writableNeedDrain) {
      const now = performance.now();
      // Blocked this long, the core has paused and stopped sending: a correct
      // server never takes bytes from this peer again.
      const stall = ctx.stallTimeoutMs;
      if (blockedSince !== null && stall > 0 && now - blockedSince >= stall / 2 && !readAgainSeen) {
        readAgainSeen = true;
        ctx.tally.readAgainMs.push(now - started);
      }
      blockedSince = null;
      let burst = 0;
      while (burst < TICK_BYTES && !socket.destroyed) {
        burst += WRITE;
        if (!socket.write(randomChunk(WRITE))) break;
      }
      offered += burst;
    }
    if (socket.writableNeedDrain) {
      blockedSince ??= performance.now();
      await drainOrClose(socket, tickEnd - performance.now());
    } else {
      await sleep(Math.max(0, tickEnd - performance.now()));
    }
  }
  return offered;
}

async function once(ctx: SoakContext): Promise<void> {
  const started = performance.now();
  let socket: net.Socket;
  try {
    socket = own(ctx, await connect(ctx.port, CONNECT_MS));
  } catch (error) {
    ctx.tally.error(`never-reader: connect: ${errorText(error)}`);
    await sleep(RETRY_PAUSE_MS);
    return;
  }
  ctx.tally.connections++;
  socket.pause();
  // Its errors are the drop we are waiting for (EPIPE, ECONNRESET on a write).
  socket.on('error', () => {});
  const drop = { at: null as number | null };
  socket.once('close', () => (drop.at = performance.now()));
  const stall = ctx.stallTimeoutMs;
  // Wait past the limit, so a late drop is measured rather than cut short.
  const waitMs = stall > 0 ? 2 * dropLimitMs(stall) : HOLD_MS;
  try {
    const offered = await flood(ctx, socket, started, started + waitMs);
    ctx.tally.bytesSent += offered;
    if (drop.at !== null) {
      ctx.tally.dropMs.push(drop.at - started);
      ctx.tally.completed++;
    } else if (stall > 0) {
      ctx.tally.error(
        `never-reader: still connected ${waitMs} ms after connecting, ${offered} bytes offered (server --stall-timeout ${stall})`,
      );
    } else {
      ctx.tally.completed++;
    }
  } catch (error) {
    ctx.tally.error(`never-reader: ${errorText(error)}`);
  } finally {
    socket.destroy();
  }
}

export const neverReader: Scenario = {
  name: 'never-reader',
  load: `${LANES} lanes, each in a loop: connect, write whenever the server takes bytes (≤ ${(TICK_BYTES * 1000) / TICK_MS / 2 ** 20} MiB/s), read nothing, until dropped`,
  run: (ctx) => lanes(ctx, LANES, () => once(ctx)),
};
