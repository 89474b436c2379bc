// Transport contract, recv: bytes are scattered over several (offset, length)
// pairs of one memory, in the list's order, touching nothing else; a peek
// leaves them; readable() counts what is buffered. Run over every kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_AGAIN } from '../ts/wasi/defs.js';
import { READABLE, WRITABLE } from '../ts/transport/types.js';
import { UNTOUCHED } from './helpers/transport-contract/calls.js';
import { contract } from './helpers/transport-contract/contract.js';
import type { Iov } from './helpers/transport-contract/module-half.js';
import { connectAccepted, expectReadiness, result, settleReadable, str, text } from './helpers/transport-contract/steps.js';

/** What `mem` should hold after a recv of `bytes` through `iov`: the bytes in list order, UNTOUCHED elsewhere. */
function scattered(size: number, iov: Iov, bytes: Uint8Array): Uint8Array {
  const mem = new Uint8Array(size).fill(UNTOUCHED);
  let at = 0;
  for (const [offset, length] of iov) {
    const take = Math.min(length, bytes.length - at);
    mem.set(bytes.subarray(at, at + take), offset);
    at += take;
  }
  return mem;
}

contract('recv scatters in list order, peek leaves the bytes, readable() counts them', async (rig) => {
  const m = rig.module;
  const { peer, conn } = await connectAccepted(rig);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz';
  peer.write(alphabet);
  await settleReadable(m, conn, 26);
  assert.is(await m.readable(conn), 26, 'readable() with 26 bytes buffered');
  await expectReadiness(m, conn, READABLE | WRITABLE, 'with bytes buffered');

  // The first pair lies above the second: order is the list's, not the addresses'.
  const iov: Iov = [[40, 4], [2, 6], [20, 3]];
  const peeked = await m.recv(conn, 64, iov, true);
  assert.is(peeked.n, 13, 'peek count');
  assert.equal(peeked.mem, scattered(64, iov, text('abcdefghijklm')), 'memory after a peek through three pairs');
  assert.is(await m.readable(conn), 26, 'readable() after a peek');
  await expectReadiness(m, conn, READABLE | WRITABLE, 'after a peek');

  const taken = await m.recv(conn, 64, iov);
  assert.is(taken.n, 13, 'recv count');
  assert.equal(taken.mem, scattered(64, iov, text('abcdefghijklm')), 'memory after recv through three pairs');
  assert.is(await m.readable(conn), 13, 'readable() after 13 of 26 bytes were taken');

  // A zero-length pair is skipped; the list may ask for more than is there.
  const rest: Iov = [[0, 5], [10, 0], [5, 100]];
  const last = await m.recv(conn, 128, rest);
  assert.is(last.n, 13, 'recv of the last 13 bytes into 105 bytes of room');
  assert.equal(last.mem, scattered(128, rest, text('nopqrstuvwxyz')), 'memory after recv with a zero-length pair');
  assert.is(str(last.mem.subarray(0, 13)), 'nopqrstuvwxyz');
  assert.is(await m.readable(conn), 0, 'readable() once everything was taken');
  await expectReadiness(m, conn, WRITABLE, 'once everything was taken');
  assert.is(result((await m.recvBytes(conn)).n), result(-ERRNO_AGAIN), 'recv with nothing buffered');
});

test.run();
