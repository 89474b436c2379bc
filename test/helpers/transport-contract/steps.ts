// Steps the contract tests share: waiting (as a host would, in wait()) for a
// state to show, accepting, filling a connection's outbound side, the byte
// stream the tests send, and readable names for readiness bits.

import * as assert from 'uvu/assert';
import { ERRNO_AGAIN } from '../../../ts/wasi/defs.js';
import { errnoName } from '../../../ts/wasi/errno.js';
import { CONNECTING, FAILED, PEER_CLOSED, READABLE, WRITABLE, type Handle } from '../../../ts/transport/types.js';
import { ERRNO_INPROGRESS } from '../../../ts/wasi/defs.js';
import type { ModuleHalf } from './module-half.js';
import type { Peer, Rig } from './rig.js';

/** How long a state the network is about to reach may take to show. */
export const SETTLE_MS = 5000;

/** 'READABLE|PEER_CLOSED', or 'none'. */
export function bits(readiness: number): string {
  if (readiness < 0) return errnoName(-readiness);
  const names: string[] = ([[READABLE, 'READABLE'], [WRITABLE, 'WRITABLE'], [PEER_CLOSED, 'PEER_CLOSED'], [FAILED, 'FAILED'], [CONNECTING, 'CONNECTING']] as const)
    .filter(([bit]) => readiness & bit)
    .map(([, name]) => name);
  const unknown = readiness & ~(READABLE | WRITABLE | PEER_CLOSED | FAILED | CONNECTING);
  if (unknown) names.push(`0x${unknown.toString(16)}`);
  return names.length > 0 ? names.join('|') : 'none';
}

/** Asserts the exact readiness of `handle`. */
export async function expectReadiness(m: ModuleHalf, handle: Handle, expected: number, when: string): Promise<void> {
  assert.is(bits(await m.poll(handle)), bits(expected), `readiness ${when}`);
}

/** A result as a name when it is an error: 'EAGAIN', or the count. */
export function result(n: number): string {
  return n < 0 ? errnoName(-n) : String(n);
}

/**
 * Lets the module half take news, in wait() as a host would, until `done()`
 * holds; false if it does not within `ms` (on the kind's clock, or the wall's).
 */
export async function eventually(m: ModuleHalf, done: () => Promise<boolean>, ms = SETTLE_MS): Promise<boolean> {
  const start = performance.now();
  let waited = 0;
  for (;;) {
    if (await done()) return true;
    const left = ms - Math.max(waited, performance.now() - start);
    if (left <= 0) return false;
    waited += (await m.wait(Math.min(left, 50))).elapsedMs;
  }
}

/** As eventually(), but a state that does not show fails the test, naming `what`. */
export async function settle(m: ModuleHalf, what: string, done: () => Promise<boolean>, ms = SETTLE_MS): Promise<void> {
  if (!(await eventually(m, done, ms))) assert.unreachable(`${what}: not seen within ${ms} ms`);
}

/** Waits for the listener to report a pending connection and accepts it. */
export async function acceptOne(m: ModuleHalf, listener = m.listener): Promise<Handle> {
  await settle(m, 'a pending connection (listener READABLE)', async () => ((await m.poll(listener)) & READABLE) !== 0);
  const conn = await m.accept(listener);
  assert.ok(conn >= 0, `accept answered ${result(conn)} with a connection pending`);
  return conn;
}

/** A peer connected, and its connection accepted. */
export async function connectAccepted(rig: Rig): Promise<{ peer: Peer; conn: Handle }> {
  const peer = await rig.connect();
  return { peer, conn: await acceptOne(rig.module) };
}

/** Waits until `conn` has at least `n` bytes to read. */
export async function settleReadable(m: ModuleHalf, conn: Handle, n: number): Promise<void> {
  // Both: the kernel's count is live, its readiness what the last wait() learned.
  await settle(m, `${n} bytes to read`, async () => (await m.readable(conn)) >= n && ((await m.poll(conn)) & READABLE) !== 0);
}

export const text = (s: string) => new TextEncoder().encode(s);
export const str = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * Bytes [offset, offset + length) of the stream the tests send: no short
 * period, so a lost, repeated or reordered piece shows.
 */
export function streamBytes(offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const at = offset + i;
    out[i] = (at * 131 + (at >>> 8) * 7 + (at >>> 16) * 13) & 0xff;
  }
  return out;
}

/** Asserts that `bytes` are the stream's bytes from `offset` on, naming the first that differs. */
export function expectStream(bytes: Uint8Array, offset: number, length: number, what: string): void {
  assert.is(bytes.length, length, `${what}: byte count`);
  const expected = streamBytes(offset, length);
  for (let i = 0; i < length; i++) {
    if (bytes[i] !== expected[i]) assert.unreachable(`${what}: byte ${offset + i} is ${bytes[i]}, expected ${expected[i]}`);
  }
}

/** Sends of this size fill a connection; each is cut to what fits. */
const FILL_CHUNK = 256 * 1024;
/** A transport that takes this much from a module whose peer does not read has no bound. */
const FILL_MAX = 64 * 1024 * 1024;
/** EAGAIN with no WRITABLE for this long: the connection is full, not just between two flushes. */
const FULL_QUIET_MS = 300;

/**
 * Sends the stream from `offset` on `conn` (whose peer does not read) until
 * the transport pushes back: send() answers -EAGAIN and WRITABLE stays clear
 * for FULL_QUIET_MS. Returns the offset reached.
 */
export async function sendUntilFull(m: ModuleHalf, conn: Handle, offset = 0): Promise<number> {
  const start = offset;
  for (;;) {
    assert.ok(offset - start <= FILL_MAX, `send() took ${offset - start} bytes for a peer that reads nothing: no bound`);
    const n = await m.send(conn, streamBytes(offset, FILL_CHUNK));
    if (n > 0) {
      assert.ok(n <= FILL_CHUNK, `send() of ${FILL_CHUNK} bytes answered ${n}`);
      offset += n;
      continue;
    }
    assert.is(result(n), result(-ERRNO_AGAIN), 'send() on a connection whose peer does not read');
    if (!(await eventually(m, async () => ((await m.poll(conn)) & WRITABLE) !== 0, FULL_QUIET_MS))) return offset;
  }
}

/**
 * A socket the module opened, dialled to `address`: dial() answers 0 or
 * -EINPROGRESS; with -EINPROGRESS the socket shows CONNECTING (and nothing
 * else) until the outcome, which wait() brings. Returns the handle once the
 * outcome is known (no longer CONNECTING).
 */
export async function dialAndSettle(m: ModuleHalf, address: { family: 4 | 6; host: string; port: number }): Promise<{ handle: Handle; dialed: number }> {
  const handle = await m.open(address.family);
  assert.ok(handle >= 0, `open() answered ${result(handle)}`);
  const dialed = await m.dial(handle, address);
  if (dialed === -ERRNO_INPROGRESS) {
    const first = await m.poll(handle);
    assert.ok(first === CONNECTING || (first & CONNECTING) === 0, `readiness while connecting is CONNECTING alone, got ${bits(first)}`);
    await settle(m, 'the outcome of the connect', async () => ((await m.poll(handle)) & CONNECTING) === 0);
  }
  return { handle, dialed };
}
