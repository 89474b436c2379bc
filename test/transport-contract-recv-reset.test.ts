// Transport contract, the peer's RST: FAILED and PEER_CLOSED (with READABLE,
// and WRITABLE since a send fails at once) until recv consumes the error:
// -ECONNRESET once, then 0. Other connections go on. Run over every kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_CONNRESET } from '../ts/wasi/defs.js';
import { FAILED, PEER_CLOSED, READABLE, WRITABLE } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import { connectAccepted, expectReadiness, result, settle, settleReadable, str } from './helpers/transport-contract/steps.js';

contract("recv answers -ECONNRESET once after the peer's RST, then 0", async (rig) => {
  const m = rig.module;
  const victim = await connectAccepted(rig);
  const bystander = await connectAccepted(rig);
  victim.peer.write('before');
  await settleReadable(m, victim.conn, 6);
  assert.is(str((await m.recvBytes(victim.conn)).bytes), 'before', 'bytes before the reset');

  victim.peer.reset();
  await settle(m, 'FAILED after the RST', async () => ((await m.poll(victim.conn)) & FAILED) !== 0);
  await expectReadiness(m, victim.conn, READABLE | WRITABLE | PEER_CLOSED | FAILED, 'after the RST');
  assert.is(await m.readable(victim.conn), 0, 'readable() after the RST');
  assert.is((await m.pollSizes(victim.conn)).toWrite, 0, 'pollSizes().toWrite after the RST (a send would fail)');

  assert.is(result((await m.recvBytes(victim.conn)).n), result(-ERRNO_CONNRESET), 'first recv after the RST');
  await expectReadiness(m, victim.conn, READABLE | WRITABLE | PEER_CLOSED, 'once the error was reported');
  assert.is((await m.recvBytes(victim.conn)).n, 0, 'recv after the error was reported');
  assert.is((await m.recvBytes(victim.conn)).n, 0, 'recv after the error was reported, again');

  bystander.peer.write('still here');
  await settleReadable(m, bystander.conn, 10);
  assert.is(str((await m.recvBytes(bystander.conn)).bytes), 'still here', 'the other connection');
  await expectReadiness(m, bystander.conn, WRITABLE, 'of the other connection, drained');
});

test.run();
