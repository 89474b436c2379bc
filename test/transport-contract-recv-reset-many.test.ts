// Transport contract, many peers that send a few bytes and reset at once
// (SO_LINGER 0): every connection reads its bytes, then -ECONNRESET — never
// EOF. The bytes and the RST reach the transport together, which is where
// libuv (under node:net) takes the hang-up after a short read for an EOF
// without reading again; one such connection is enough to fail. Run over
// every kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_AGAIN, ERRNO_CONNRESET } from '../ts/wasi/defs.js';
import { PEER_CLOSED } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import { connectAccepted, eventually, result, settle, str } from './helpers/transport-contract/steps.js';

/** Enough that the race shows on every run (under node:net ~all of them read as EOF before the fix). */
const PEERS = 200;

contract(`${PEERS} peers that send bytes and reset at once: each reads its bytes, then -ECONNRESET`, async (rig) => {
  const m = rig.module;
  const peers = [];
  const conns: number[] = [];
  // One at a time: a kind's accept backlog may be shorter than PEERS.
  for (let i = 0; i < PEERS; i++) {
    const { peer, conn } = await connectAccepted(rig);
    peers.push(peer);
    conns.push(conn);
  }

  peers.forEach((peer, i) => {
    peer.write(`peer ${i}`);
    peer.reset();
  });

  const ended = async () => {
    for (const conn of conns) if (!((await m.poll(conn)) & PEER_CLOSED)) return false;
    return true;
  };
  await settle(m, 'every connection PEER_CLOSED', ended);

  const eofs: string[] = [];
  for (const conn of conns) {
    const data = await m.recvBytes(conn);
    assert.match(str(data.bytes), /^peer \d+$/, `the bytes before the RST (recv answered ${result(data.n)})`);
    // A transport may still be taking the error in (the RST came after the bytes).
    let n = 0;
    await eventually(m, async () => (n = (await m.recvBytes(conn)).n) !== -ERRNO_AGAIN);
    if (n === 0) eofs.push(str(data.bytes));
    else assert.is(result(n), result(-ERRNO_CONNRESET), `recv after the bytes of ${str(data.bytes)}`);
  }
  assert.is(eofs.length, 0, `${eofs.length} of ${PEERS} resetting peers read as EOF (e.g. ${eofs.slice(0, 3).join(', ')})`);
});

test.run();
