// Transport contract, close, as close(2) does it: bytes still on their way out
// reach the peer, then EOF; a connection closed with input it did not read is
// reset at once; connections still waiting on a closed listener are reset,
// and the address refuses new ones. Run over every kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { READABLE } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import { connectAccepted, expectStream, sendUntilFull, settle, settleReadable } from './helpers/transport-contract/steps.js';

/** A reset must reach the peer this soon: not after a linger for bytes that will never be read. */
const RESET_MS = 2000;

contract('close flushes what the peer has not read yet, then EOF', async (rig) => {
  const m = rig.module;
  const { peer, conn } = await connectAccepted(rig);
  const total = await sendUntilFull(m, conn);
  await m.close(conn);
  await m.wait(0);
  const seen = await peer.readToEnd(30_000);
  assert.is(seen.end, 'eof', 'how the peer saw the close');
  expectStream(seen.bytes, 0, total, 'what the peer read after the close');
});

contract('close with unread input resets the peer at once', async (rig) => {
  const m = rig.module;
  const { peer, conn } = await connectAccepted(rig);
  peer.write('never read');
  await settleReadable(m, conn, 10);
  await m.close(conn);
  await m.wait(0);
  const seen = await peer.readToEnd(RESET_MS);
  assert.is(seen.end, 'reset', 'how the peer saw a close with unread input');
});

contract('closing a listener resets the connections waiting on it', async (rig) => {
  const m = rig.module;
  const l = m.listener;
  const waiting = await rig.connect();
  await settle(m, 'the connection pending', async () => ((await m.poll(l)) & READABLE) !== 0);
  await m.close(l);
  await m.wait(0);
  const seen = await waiting.readToEnd(RESET_MS);
  assert.is(seen.end, 'reset', 'how a connection waiting on a closed listener ended');
  let refused: unknown = null;
  await rig.connect().catch((error: unknown) => (refused = error));
  assert.ok(refused !== null, 'a new connection to a closed listener was not refused');
});

test.run();
