// Connection churn: thousands of short connections, each one small echo and a
// clean close from the client side, to find per-connection leaks.
import { performance } from 'node:perf_hooks';
import { randomChunk, randomInt } from '../random-data.js';
import { errorText, lanes, type Scenario, type SoakContext } from '../scenario.js';
import { judgeEcho, openChecked } from './open.js';

const LANES = 8;
const MAX_MESSAGE = 1024;
const STEP_MS = 10_000;

async function once(ctx: SoakContext): Promise<void> {
  const started = performance.now();
  const conn = await openChecked(ctx, 'churn');
  if (!conn) return;
  try {
    conn.send(randomChunk(randomInt(1, MAX_MESSAGE)));
    await conn.wait(() => conn.check.outstanding === 0, STEP_MS, 'echo');
    const roundTrip = performance.now() - started;
    conn.socket.end();
    await conn.wait(() => conn.ended, STEP_MS, 'EOF after the client closed');
    if (judgeEcho(ctx, 'churn', conn)) {
      ctx.tally.completed++;
      ctx.tally.roundTripMs.push(roundTrip);
    }
  } catch (error) {
    ctx.tally.error(`churn: ${errorText(error)}`);
  } finally {
    ctx.tally.settle(conn.check);
    conn.socket.destroy();
  }
}

export const churn: Scenario = {
  name: 'churn',
  load: `${LANES} lanes, each in a loop: connect, echo 1–${MAX_MESSAGE} B, close`,
  run: (ctx) => lanes(ctx, LANES, () => once(ctx)),
};
