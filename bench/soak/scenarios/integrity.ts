// Many clients streaming random data, every echoed byte compared. Each keeps a
// bounded amount unechoed, so the server never has a reason to pause or drop it.
import { randomChunk, randomInt } from '../random-data.js';
import { errorText, lanes, running, type Scenario, type SoakContext } from '../scenario.js';
import { judgeEcho, openChecked } from './open.js';

const CLIENTS = 16;
const WINDOW = 64 * 1024;
const MAX_WRITE = 16 * 1024;
const SESSION_MIN = 64 * 1024;
const SESSION_MAX = 4 << 20;
// An echo that makes no progress for this long counts as an error.
const STEP_MS = 10_000;

async function session(ctx: SoakContext): Promise<void> {
  const conn = await openChecked(ctx, 'integrity');
  if (!conn) return;
  const length = randomInt(SESSION_MIN, SESSION_MAX);
  try {
    while (conn.check.sent < length && running(ctx)) {
      await conn.wait(() => conn.check.outstanding < WINDOW && conn.writable, STEP_MS, 'echo to catch up');
      conn.send(randomChunk(randomInt(1, MAX_WRITE)));
    }
    conn.socket.end();
    await conn.wait(() => conn.ended, STEP_MS, 'the rest of the echo, then EOF');
    if (judgeEcho(ctx, 'integrity', conn)) ctx.tally.completed++;
  } catch (error) {
    ctx.tally.error(`integrity: ${errorText(error)} (${conn.check.echoed} of ${conn.check.sent} bytes echoed)`);
  } finally {
    ctx.tally.settle(conn.check);
    conn.socket.destroy();
  }
}

export const integrity: Scenario = {
  name: 'integrity',
  load: `${CLIENTS} clients stream random writes (≤ ${WINDOW / 1024} KiB unechoed each), sessions of ${SESSION_MIN / 1024} KiB–${SESSION_MAX >> 20} MiB ending in a half-close`,
  run: (ctx) => lanes(ctx, CLIENTS, () => session(ctx)),
};
