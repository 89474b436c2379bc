// Opening a checked connection for a scenario, counting a failure instead of throwing.
import { sleep } from '../../../test/helpers/echo-client.js';
import { EchoConn } from '../echo-conn.js';
import { errorText, own, type SoakContext } from '../scenario.js';

// After a failed connect, so a dead server does not turn a lane into a busy loop.
const RETRY_PAUSE_MS = 200;

export async function openChecked(ctx: SoakContext, scenario: string): Promise<EchoConn | null> {
  try {
    const conn = await EchoConn.open(ctx.port);
    own(ctx, conn.socket);
    ctx.tally.connections++;
    return conn;
  } catch (error) {
    ctx.tally.error(`${scenario}: connect: ${errorText(error)}`);
    await sleep(RETRY_PAUSE_MS);
    return null;
  }
}

/** Records what went wrong on a connection that should have echoed every byte; true when nothing did. */
export function judgeEcho(ctx: SoakContext, scenario: string, conn: EchoConn): boolean {
  const { check } = conn;
  if (check.wrong > 0) {
    ctx.tally.error(`${scenario}: ${check.wrong} wrong bytes echoed, the first at stream offset ${check.firstWrongAt}`);
    return false;
  }
  if (check.outstanding > 0) {
    ctx.tally.error(`${scenario}: EOF after ${check.echoed} of ${check.sent} bytes echoed`);
    return false;
  }
  return true;
}
