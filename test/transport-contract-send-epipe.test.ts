// Transport contract, sending to a peer that is gone: after its RST, send
// reports -ECONNRESET once, then -EPIPE; after it closed, sends fail with
// -EPIPE (the first may still be taken: the peer's kernel answers them with an
// RST). No SIGPIPE: the module's thread goes on. Run over every kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_AGAIN, ERRNO_CONNRESET, ERRNO_PIPE } from '../ts/wasi/defs.js';
import { FAILED, PEER_CLOSED, READABLE, WRITABLE } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import { connectAccepted, expectReadiness, result, settle, SETTLE_MS } from './helpers/transport-contract/steps.js';

const EPIPE = result(-ERRNO_PIPE);

contract("send answers -ECONNRESET once after the peer's RST, then -EPIPE", async (rig) => {
  const m = rig.module;
  const { peer, conn } = await connectAccepted(rig);
  peer.reset();
  await settle(m, 'FAILED after the RST', async () => ((await m.poll(conn)) & FAILED) !== 0);
  assert.is(result(await m.send(conn, 'x')), result(-ERRNO_CONNRESET), 'first send after the RST');
  assert.is(result(await m.send(conn, 'x')), EPIPE, 'send once the error was reported');
  assert.is(result(await m.send(conn, 'x')), EPIPE, 'send once the error was reported, again');
  await expectReadiness(m, conn, READABLE | WRITABLE | PEER_CLOSED, 'once send reported the error');
  assert.is((await m.pollSizes(conn)).toWrite, 0, 'pollSizes().toWrite of a connection that cannot send');
  assert.is((await m.recvBytes(conn)).n, 0, 'recv once send reported the error');
});

contract('send answers -EPIPE once the peer closed, and the module goes on (no SIGPIPE)', async (rig) => {
  const m = rig.module;
  const { peer, conn } = await connectAccepted(rig);
  peer.close();
  const answers: string[] = [];
  const start = performance.now();
  while (answers.at(-1) !== EPIPE) {
    assert.ok(performance.now() - start < SETTLE_MS, `sends to a closed peer never failed with EPIPE: ${answers.join(', ')}`);
    const n = await m.send(conn, 'x'.repeat(100));
    answers.push(result(n));
    if (n !== -ERRNO_PIPE) await m.wait(50);
  }
  // Before the EPIPE: bytes taken or EAGAIN while the RST was on its way, and at most one ECONNRESET (the RST's error).
  const before = answers.slice(0, -1);
  assert.ok(
    before.every((a, i) => /^\d+$/.test(a) || a === result(-ERRNO_AGAIN) || (a === result(-ERRNO_CONNRESET) && i === before.length - 1)),
    `answers to sends after the peer closed: ${answers.join(', ')}`,
  );
  for (let i = 0; i < 3; i++) assert.is(result(await m.send(conn, 'x')), EPIPE, 'send after EPIPE');
  const readiness = await m.poll(conn);
  assert.is(readiness & (WRITABLE | PEER_CLOSED), WRITABLE | PEER_CLOSED, `readiness after EPIPE: ${readiness}`);
  assert.is((await m.recvBytes(conn)).n, 0, 'recv after EPIPE');
});

test.run();
