// Transport contract, the peer's FIN: every buffered byte is read first, then
// recv answers 0 (and again 0); PEER_CLOSED shows from the FIN on; our side
// can still send (a half-closed connection). Run over every kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PEER_CLOSED, READABLE, WRITABLE } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import { connectAccepted, expectReadiness, settle, str } from './helpers/transport-contract/steps.js';

contract("recv answers 0 after the peer's FIN, only once the bytes before it were read", async (rig) => {
  const m = rig.module;
  const { peer, conn } = await connectAccepted(rig);
  peer.write('hello world');
  peer.end();
  await settle(m, 'PEER_CLOSED after the FIN', async () => ((await m.poll(conn)) & PEER_CLOSED) !== 0);
  await expectReadiness(m, conn, READABLE | WRITABLE | PEER_CLOSED, 'after data and FIN');
  assert.is(await m.readable(conn), 11, 'readable() of the bytes before the FIN');

  const first = await m.recvBytes(conn, 5);
  assert.is(str(first.bytes), 'hello', 'first recv after the FIN');
  const second = await m.recvBytes(conn);
  assert.is(str(second.bytes), ' world', 'second recv after the FIN');
  assert.is((await m.recvBytes(conn)).n, 0, 'recv at EOF');
  assert.is((await m.recvBytes(conn)).n, 0, 'recv at EOF, again');
  assert.is(await m.readable(conn), 0, 'readable() at EOF');
  await expectReadiness(m, conn, READABLE | WRITABLE | PEER_CLOSED, 'at EOF');

  // Half-closed: the peer still reads what we send.
  assert.is(await m.send(conn, 'bye'), 3, 'send after the peer FIN');
  await m.wait(0);
  assert.is(str(await peer.read(3)), 'bye', 'what the half-closed peer read');
});

test.run();
