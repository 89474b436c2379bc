// Big half-close: several MiB sent at full speed (the server has to pause
// reading and resume), then shutdown(SHUT_WR); every byte must come back
// before the server's EOF.
import { randomChunk, randomInt } from '../random-data.js';
import { errorText, lanes, type Scenario, type SoakContext } from '../scenario.js';
import { judgeEcho, openChecked } from './open.js';

const LANES = 2;
const SIZE_MIN = 4 << 20;
const SIZE_MAX = 8 << 20;
const WRITE = 64 * 1024;
const STEP_MS = 10_000;
const ECHO_MS = 30_000;

async function once(ctx: SoakContext): Promise<void> {
  const conn = await openChecked(ctx, 'half-close');
  if (!conn) return;
  const size = randomInt(SIZE_MIN, SIZE_MAX);
  try {
    while (conn.check.sent < size) {
      if (!conn.writable) await conn.wait(() => conn.writable, STEP_MS, 'the server to take more bytes');
      conn.send(randomChunk(Math.min(WRITE, size - conn.check.sent)));
    }
    conn.socket.end();
    await conn.wait(() => conn.ended, ECHO_MS, `the whole ${size}-byte echo, then EOF`);
    if (judgeEcho(ctx, 'half-close', conn)) ctx.tally.completed++;
  } catch (error) {
    ctx.tally.error(`half-close: ${errorText(error)} (${conn.check.echoed} of ${conn.check.sent} bytes echoed)`);
  } finally {
    ctx.tally.settle(conn.check);
    conn.socket.destroy();
  }
}

export const halfClose: Scenario = {
  name: 'half-close',
  load: `${LANES} lanes, each in a loop: send ${SIZE_MIN >> 20}–${SIZE_MAX >> 20} MiB unpaced, shutdown(SHUT_WR), expect the whole echo then EOF`,
  run: (ctx) => lanes(ctx, LANES, () => once(ctx)),
};
