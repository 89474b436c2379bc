// Slowloris: clients that hold a connection for the whole run and send one
// byte now and then. The core has no idle timeout, so it must keep serving
// them (each byte echoed) without their costing the other clients anything.
import { sleep } from '../../../test/helpers/echo-client.js';
import { randomChunk, randomInt } from '../random-data.js';
import { errorText, running, type Scenario, type SoakContext } from '../scenario.js';
import { judgeEcho, openChecked } from './open.js';

const CLIENTS = 64;
const GAP_MIN_MS = 250;
const GAP_MAX_MS = 1500;
// Spreads the connects so they do not all land in one accept batch.
const STAGGER_MS = 10;
const END_MS = 10_000;

async function hold(ctx: SoakContext, index: number): Promise<void> {
  await sleep(index * STAGGER_MS);
  const conn = await openChecked(ctx, 'slowloris');
  if (!conn) return;
  const opened = Date.now();
  try {
    while (running(ctx)) {
      await sleep(Math.min(randomInt(GAP_MIN_MS, GAP_MAX_MS), Math.max(0, ctx.deadline - Date.now())));
      if (conn.error || conn.closed || conn.ended) {
        throw new Error(`the server closed a slow client after ${Date.now() - opened} ms`);
      }
      if (running(ctx)) conn.send(randomChunk(1));
    }
    conn.socket.end();
    await conn.wait(() => conn.ended, END_MS, 'the last bytes echoed, then EOF');
    if (judgeEcho(ctx, 'slowloris', conn)) ctx.tally.completed++;
  } catch (error) {
    ctx.tally.error(`slowloris: ${errorText(error)}`);
  } finally {
    ctx.tally.settle(conn.check);
    conn.socket.destroy();
  }
}

export const slowloris: Scenario = {
  name: 'slowloris',
  load: `${CLIENTS} clients each hold one connection for the whole run, sending 1 byte every ${GAP_MIN_MS}–${GAP_MAX_MS} ms`,
  run: async (ctx) => {
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => hold(ctx, i)));
  },
};
