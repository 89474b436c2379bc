// Transport contract, send: bytes are gathered from several (offset, length)
// pairs in the list's order; a send larger than what fits takes a part; when
// the peer does not read, send answers -EAGAIN and WRITABLE clears; once the
// peer reads, wait() wakes and WRITABLE is back; the peer gets every byte, in
// order. Run over every kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_AGAIN } from '../ts/wasi/defs.js';
import { WRITABLE } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import { bits, connectAccepted, expectReadiness, expectStream, result, sendUntilFull, str, streamBytes, text } from './helpers/transport-contract/steps.js';

const BIG = 16 * 1024 * 1024;

contract('send gathers in order, takes part of what does not fit, EAGAIN when full, WRITABLE once the peer reads', async (rig) => {
  const m = rig.module;
  const { peer, conn } = await connectAccepted(rig);
  // A JavaScript transport takes at most its outbound limit beyond what the network took.
  if (!rig.kernelBuffered) assert.ok(((await m.pollSizes(conn)).toWrite) <= rig.limits.outbound, 'pollSizes().toWrite of a fresh connection beyond the outbound limit');

  const mem = new Uint8Array(64);
  mem.set(text('gathered '), 0);
  mem.set(text('Hello, '), 30);
  mem.set(text('world'), 50);
  assert.is(await m.send(conn, mem, [[30, 7], [10, 0], [0, 9], [50, 5]]), 21, 'send through four pairs, one empty');
  await m.wait(0);
  assert.is(str(await peer.read(21)), 'Hello, gathered world', 'what the peer read');

  // Far more than any buffer holds, over two pairs: a part is taken, from the start.
  const first = await m.send(conn, streamBytes(0, BIG), [[0, BIG / 2], [BIG / 2, BIG / 2]]);
  assert.ok(first > 0 && first < BIG, `a send of ${BIG} bytes answered ${result(first)}: expected a part`);
  if (!rig.kernelBuffered) assert.ok(first <= rig.limits.outbound, `a send took ${first} bytes, beyond the outbound limit ${rig.limits.outbound}`);

  const total = await sendUntilFull(m, conn, first);
  await expectReadiness(m, conn, 0, 'when full (nothing to read, no room)');
  // The kernel decides how much free space it reports when it refuses a send.
  if (!rig.kernelBuffered) assert.is((await m.pollSizes(conn)).toWrite, 0, 'pollSizes().toWrite when full');
  assert.is(result(await m.send(conn, 'x')), result(-ERRNO_AGAIN), 'send when full');

  rig.later(100, () => peer.startReading());
  const woke = await m.wait(10_000);
  assert.ok(woke.changed.includes(conn), `wait() returned after ${Math.round(woke.elapsedMs)} ms reporting [${woke.changed}], not the connection ${conn}`);
  const readiness = await m.poll(conn);
  assert.ok(readiness & WRITABLE, `readiness once the peer reads: ${bits(readiness)}`);
  assert.ok(((await m.pollSizes(conn)).toWrite) > 0, 'pollSizes().toWrite once the peer reads');

  expectStream(await peer.read(total, 30_000), 0, total, 'what the peer read');
});

test.run();
