// Transport contract, pollSizes() (poll_oneoff's nbytes, README "poll_oneoff's
// nbytes"): the bits are poll()'s; toRead is the bytes a recv would return
// (pending connections, for a listener), exactly where the transport holds
// them and 1 where they wait in the kernel; toWrite the room a send has (the
// send buffer's size where the kernel holds it); 0 for a way that has nothing
// to move (the end, a failed connection, after SHUT_WR). Run over every kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAILED, PEER_CLOSED, READABLE, SHUT_WR, WRITABLE } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import { acceptOne, bits, connectAccepted, settle, settleReadable, str } from './helpers/transport-contract/steps.js';

contract('pollSizes: the bytes to read and the room to write, from what the transport knows', async (rig) => {
  const m = rig.module;
  /** What toRead is for `n` bytes waiting: exact, or 1 where they wait in the kernel (and at its EOF). */
  const toRead = (n: number) => (rig.kernelBuffered ? 1 : n);

  const idle = await m.pollSizes(m.listener);
  assert.equal([bits(idle.bits), idle.toRead, idle.toWrite], ['none', 0, 0], 'a listener with nothing pending');
  const peer = await rig.connect();
  await settle(m, 'a pending connection', async () => ((await m.poll(m.listener)) & READABLE) !== 0);
  const pending = await m.pollSizes(m.listener);
  assert.ok(pending.toRead >= 1 && pending.toWrite === 0, `a listener with a connection pending: ${JSON.stringify(pending)}`);
  const conn = await acceptOne(m);

  const fresh = await m.pollSizes(conn);
  assert.is(bits(fresh.bits), bits(WRITABLE), 'a fresh connection');
  assert.is(fresh.toRead, 0, 'toRead of a fresh connection');
  assert.ok(fresh.toWrite > 0, 'toWrite of a fresh connection');
  if (!rig.kernelBuffered) assert.ok(fresh.toWrite <= rig.limits.outbound, `toWrite ${fresh.toWrite} beyond the outbound limit`);

  peer.write('hello');
  await settleReadable(m, conn, 5);
  assert.is((await m.pollSizes(conn)).toRead, toRead(5), 'toRead with 5 bytes waiting');

  peer.end();
  await settle(m, 'PEER_CLOSED after the FIN', async () => ((await m.poll(conn)) & PEER_CLOSED) !== 0);
  assert.is(str((await m.recvBytes(conn)).bytes), 'hello');
  assert.is((await m.recvBytes(conn)).n, 0, 'EOF');
  const ended = await m.pollSizes(conn);
  assert.is(ended.toRead, toRead(0), 'toRead at EOF (the kernel does not say whether bytes or the end wait)');
  assert.ok(ended.toWrite > 0, 'a half-closed connection can still send');

  assert.is(await m.shutdown(conn, SHUT_WR), 0);
  const shut = await m.pollSizes(conn);
  assert.ok(shut.bits & WRITABLE, 'writable after SHUT_WR (a send fails at once)');
  assert.is(shut.toWrite, 0, 'toWrite after SHUT_WR');

  const victim = await connectAccepted(rig);
  victim.peer.reset();
  await settle(m, 'FAILED after the RST', async () => ((await m.poll(victim.conn)) & FAILED) !== 0);
  const failed = await m.pollSizes(victim.conn);
  assert.equal([failed.toRead, failed.toWrite], [0, 0], 'a failed connection has nothing to move');
});

test.run();
