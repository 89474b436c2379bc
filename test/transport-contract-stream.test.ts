// Transport contract, bytes through the module half: a simple echo loop over
// the SocketTransport calls (nonblocking recv and send, wait when idle) gives
// 1 MiB of random bytes back exactly, in order, with 49 other clients served at
// the same time, each ending with EOF once it half-closed. Run over every kind.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_AGAIN } from '../ts/wasi/defs.js';
import type { Handle } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import type { ModuleHalf } from './helpers/transport-contract/module-half.js';
import { acceptOne, result } from './helpers/transport-contract/steps.js';

const CLIENTS = 50;
const ECHO_MS = 30_000;

interface Echoed {
  pending: Uint8Array[];
  eof: boolean;
}

/** Echoes every connection until each has sent EOF and got all its bytes back, then closes it. */
async function echo(m: ModuleHalf, conns: Handle[]): Promise<void> {
  const state = new Map<Handle, Echoed>(conns.map((c) => [c, { pending: [], eof: false }]));
  const start = performance.now();
  while (state.size > 0) {
    assert.ok(performance.now() - start < ECHO_MS, `${state.size} connections still echoing after ${ECHO_MS} ms`);
    let progressed = false;
    for (const [conn, c] of state) {
      while (c.pending.length > 0) {
        const head = c.pending[0]!;
        const n = await m.send(conn, head);
        if (n === -ERRNO_AGAIN) break;
        assert.ok(n > 0, `send while echoing answered ${result(n)}`);
        progressed = true;
        if (n === head.length) c.pending.shift();
        else c.pending[0] = head.subarray(n);
      }
      if (!c.eof && c.pending.length === 0) {
        const { n, bytes } = await m.recvBytes(conn);
        if (n > 0) c.pending.push(bytes.slice());
        else if (n === 0) c.eof = true;
        else assert.is(result(n), result(-ERRNO_AGAIN), 'recv while echoing');
        progressed ||= n >= 0;
      }
      if (c.eof && c.pending.length === 0) {
        await m.close(conn);
        state.delete(conn);
      }
    }
    await m.wait(progressed ? 0 : 100);
  }
}

contract(`1 MiB comes back exactly, in order, while ${CLIENTS - 1} other clients are served`, async (rig) => {
  const m = rig.module;
  const messages = [randomBytes(1024 * 1024), ...Array.from({ length: CLIENTS - 1 }, (_, i) => Buffer.from(`client ${i}\n`))];
  const peers = [];
  for (const message of messages) {
    const peer = await rig.connect();
    peer.write(message);
    peer.end();
    peers.push(peer);
  }
  const conns: Handle[] = [];
  for (let i = 0; i < CLIENTS; i++) conns.push(await acceptOne(m));
  for (const peer of peers) peer.startReading();
  await echo(m, conns);
  for (const [i, peer] of peers.entries()) {
    const { bytes, end } = await peer.readToEnd(ECHO_MS);
    assert.is(end, 'eof', `how client ${i} ended`);
    assert.ok(Buffer.from(bytes).equals(messages[i]!), `client ${i} got ${bytes.length} bytes back, not its ${messages[i]!.length}`);
  }
});

test.run();
