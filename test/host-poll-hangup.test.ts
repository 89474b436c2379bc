// poll_oneoff's HANGUP flag and error field. HANGUP means the connection is
// gone both ways (as POLLHUP on Linux): RST, or the peer's FIN after our own
// shutdown(WR). The peer's FIN alone is only EOF (readable, nbytes 0), because
// wasi-libc's poll() drops POLLOUT when it sees HANGUP and a half-closed
// server must still be able to flush.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

const HANGUP = w.EVENTRWFLAGS_FD_READWRITE_HANGUP;
const both = (fd: number) => [
  { userdata: 1n, tag: w.EVENTTYPE_FD_READ, fd },
  { userdata: 2n, tag: w.EVENTTYPE_FD_WRITE, fd },
];

test('peer FIN: readable with nbytes = what is left, writable, no HANGUP', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  c.write('abc');
  c.end();
  const r = h.poll(both(fd));
  assert.equal(r.events.map((e) => [e.userdata, e.error, e.flags]), [
    [1n, 0, 0],
    [2n, 0, 0],
  ]);
  assert.is(r.events[0]!.nbytes, 3n);
  h.recv(fd, 8);
  assert.is(h.poll(both(fd)).events[0]!.nbytes, 0n, 'EOF: readable with nothing buffered');
});

test('our shutdown(WR) then the peer FIN: HANGUP', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  h.wasi.sock_shutdown!(fd, w.SDFLAGS_WR);
  assert.is(h.poll(both(fd)).events.every((e) => e.flags === 0), true, 'not yet: the peer may still send');
  c.end();
  const r = h.poll(both(fd));
  assert.is(r.events.length, 2);
  for (const e of r.events) assert.is(e.flags, HANGUP);
});

test('RST: both subscriptions fire with HANGUP; the error is left for recv/send', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  c.reset();
  const r = h.poll(both(fd));
  assert.equal(r.events.map((e) => [e.userdata, e.error, e.flags, e.nbytes]), [
    [1n, 0, HANGUP, 0n],
    [2n, 0, HANGUP, 0n],
  ]);
  assert.is(h.recv(fd, 16).errno, w.ERRNO_CONNRESET);
});

test('a peer that closed and reads no more: sends fail, so writable, with EOF to read', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  c.close();
  const r = h.poll(both(fd));
  assert.is(r.events.length, 2);
  assert.is(h.send(fd, 'x').errno, w.ERRNO_PIPE);
});

test.run();
