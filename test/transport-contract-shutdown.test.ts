// Transport contract, shutdown: SHUT_WR sends FIN after what was sent (the
// peer reads it all, then EOF) and we can still receive; SHUT_RD makes recv
// answer 0 at once, even with bytes buffered, and drops what comes later,
// while sending goes on. Run over every kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_PIPE } from '../ts/wasi/defs.js';
import { PEER_CLOSED, READABLE, SHUT_RD, SHUT_WR, WRITABLE } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import { connectAccepted, eventually, expectReadiness, result, settle, settleReadable, str } from './helpers/transport-contract/steps.js';

contract('SHUT_WR: the peer reads our bytes then EOF; we still receive', async (rig) => {
  const m = rig.module;
  const { peer, conn } = await connectAccepted(rig);
  assert.is(await m.send(conn, 'request'), 7);
  assert.is(await m.shutdown(conn, SHUT_WR), 0, 'shutdown(SHUT_WR)');
  await m.wait(0);
  const seen = await peer.readToEnd();
  assert.is(seen.end, 'eof', 'how the peer saw the shutdown');
  assert.is(str(seen.bytes), 'request', 'what the peer read before EOF');
  // A send would fail at once, so the connection is writable.
  await expectReadiness(m, conn, WRITABLE, 'after SHUT_WR');
  assert.is(result(await m.send(conn, 'more')), result(-ERRNO_PIPE), 'send after SHUT_WR');

  peer.write('reply');
  await settleReadable(m, conn, 5);
  assert.is(str((await m.recvBytes(conn)).bytes), 'reply', 'recv after SHUT_WR');
  peer.end();
  await settle(m, "the peer's FIN", async () => ((await m.poll(conn)) & PEER_CLOSED) !== 0);
  assert.is((await m.recvBytes(conn)).n, 0, "recv after the peer's FIN");
});

contract('SHUT_RD: recv answers 0 at once, even with bytes buffered; sending goes on', async (rig) => {
  const m = rig.module;
  const { peer, conn } = await connectAccepted(rig);
  peer.write('unread');
  await settleReadable(m, conn, 6);
  assert.is(await m.shutdown(conn, SHUT_RD), 0, 'shutdown(SHUT_RD)');
  assert.is((await m.recvBytes(conn)).n, 0, 'recv after SHUT_RD with 6 bytes buffered');
  assert.is(await m.readable(conn), 0, 'readable() after SHUT_RD');
  await expectReadiness(m, conn, READABLE | WRITABLE, 'after SHUT_RD');

  // Bytes that come later are dropped too.
  peer.write('later');
  await eventually(m, async () => false, 200);
  assert.is((await m.recvBytes(conn)).n, 0, 'recv after SHUT_RD, bytes sent later');
  assert.is(await m.readable(conn), 0, 'readable() after SHUT_RD, bytes sent later');

  assert.is(await m.send(conn, 'still'), 5, 'send after SHUT_RD');
  await m.wait(0);
  assert.is(str(await peer.read(5)), 'still', 'what the peer read after our SHUT_RD');
});

test.run();
