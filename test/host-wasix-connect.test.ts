// WASIX sock_connect on the socket host (in-memory network): a nonblocking
// connect answers EINPROGRESS, the socket is writable once connected and
// SO_ERROR says 0; a refused one is writable and hung up with ECONNREFUSED
// as its error; a blocking connect answers the outcome itself. The dialled
// connection then reads, writes, shuts down and closes as an accepted one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as w from '../ts/wasi/index.js';
import { ModuleStopped } from '../ts/host/index.js';
import { makeHarness, text } from './helpers/host-harness.js';
import { name, wasixCalls } from './helpers/wasix-calls.js';

const ALLOW_LOCAL = { host: { policy: { connect: ['127.0.0.1:*', '[::1]:*'], listen: [] } } };

function setup() {
  const h = makeHarness(ALLOW_LOCAL);
  return { h, x: wasixCalls(h) };
}

test('nonblocking connect: EINPROGRESS, not writable until connected, then SO_ERROR 0 and bytes both ways', () => {
  const { h, x } = setup();
  const server = h.net.serve({ host: '127.0.0.1', port: 0 });
  const fd = x.socket(4);
  assert.is(h.wasi.fd_fdstat_set_flags!(fd, w.FDFLAGS_NONBLOCK), 0);
  assert.is(name(x.connect(fd, '127.0.0.1', server.address.port)), 'EINPROGRESS');
  assert.is(x.status(fd).value, w.SOCK_STATUS_OPENING, 'status while connecting');
  assert.is(name(x.connect(fd, '127.0.0.1', server.address.port)), 'EALREADY', 'a second connect while under way');
  assert.is(name(h.send(fd, 'early').errno), 'EAGAIN', 'send before the connection is made');

  const { events } = h.poll([{ tag: w.EVENTTYPE_FD_WRITE, fd }]);
  assert.is(events.length, 1);
  assert.is(events[0]!.flags & w.EVENTRWFLAGS_FD_READWRITE_HANGUP, 0, 'no hangup once connected');
  assert.is(x.socketError(fd).value, 0, 'SO_ERROR after a connect that worked');
  assert.is(x.status(fd).value, w.SOCK_STATUS_OPENED);
  assert.is(name(x.connect(fd, '127.0.0.1', server.address.port)), 'EISCONN');
  assert.is(server.connections.length, 1, 'the server got the connection');

  const peer = server.connections[0]!;
  assert.equal(x.peer(fd).value, { family: 4, host: '127.0.0.1', port: server.address.port });
  assert.equal(x.local(fd).value, peer.moduleAddress, "the socket's own address, as the server sees it");
  assert.equal(peer.address, { family: 4, host: '127.0.0.1', port: server.address.port });
  assert.is(h.send(fd, 'ping').n, 4);
  assert.is(peer.readText(), 'ping');
  peer.write('pong');
  h.poll([{ tag: w.EVENTTYPE_FD_READ, fd }]);
  assert.is(text(h.recv(fd, 16).data), 'pong');
  assert.equal(h.net.control.stats().connected, 1);
});

test('refused: EINPROGRESS, then writable and hung up, SO_ERROR ECONNREFUSED once, status FAILED', () => {
  const { h, x } = setup();
  const fd = x.socket(4);
  h.wasi.fd_fdstat_set_flags!(fd, w.FDFLAGS_NONBLOCK);
  assert.is(name(x.connect(fd, '127.0.0.1', 1)), 'EINPROGRESS');
  const { events } = h.poll([{ tag: w.EVENTTYPE_FD_WRITE, fd }]);
  assert.is(events[0]!.flags & w.EVENTRWFLAGS_FD_READWRITE_HANGUP, w.EVENTRWFLAGS_FD_READWRITE_HANGUP, 'a refused connect hangs up');
  assert.is(x.status(fd).value, w.SOCK_STATUS_FAILED);
  assert.is(name(x.socketError(fd).value), 'ECONNREFUSED');
  assert.is(x.socketError(fd).value, 0, 'SO_ERROR is consumed');
  assert.is(name(h.send(fd, 'x').errno), 'EPIPE', 'send after the refusal was reported');
  assert.is(h.recv(fd, 4).data.length, 0, 'recv reads EOF after it');
});

test('refused, seen by recv: the pending error is reported once by the next recv', () => {
  const { h, x } = setup();
  const fd = x.socket(4);
  h.wasi.fd_fdstat_set_flags!(fd, w.FDFLAGS_NONBLOCK);
  x.connect(fd, '127.0.0.1', 1);
  h.poll([{ tag: w.EVENTTYPE_FD_READ, fd }]);
  assert.is(name(h.recv(fd, 4).errno), 'ECONNREFUSED');
  assert.is(h.recv(fd, 4).errno, 0);
});

test('blocking connect answers the outcome: 0 when accepted, ECONNREFUSED when not', () => {
  const { h, x } = setup();
  const server = h.net.serve({ host: '::1', port: 0 });
  const ok = x.socket(6);
  assert.is(name(x.connect(ok, '::1', server.address.port)), 'SUCCESS');
  assert.is(server.connections.length, 1);
  assert.equal(x.peer(ok).value, { family: 6, host: '::1', port: server.address.port });
  const refused = x.socket(6);
  assert.is(name(x.connect(refused, '::1', 2)), 'ECONNREFUSED');
  assert.is(x.socketError(refused).value, 0, 'the blocking connect consumed the error');
});

test('half-close from the dialing side: the server reads EOF after the bytes, and can still answer', () => {
  const { h, x } = setup();
  const server = h.net.serve();
  const fd = x.socket(4);
  assert.is(x.connect(fd, '127.0.0.1', server.address.port), 0);
  h.send(fd, 'last words');
  assert.is(h.wasi.sock_shutdown!(fd, w.SDFLAGS_WR), 0);
  const peer = server.connections[0]!;
  assert.is(peer.readText(), 'last words');
  assert.ok(peer.eof, 'the server sees EOF');
  peer.write('reply');
  h.poll([{ tag: w.EVENTTYPE_FD_READ, fd }]);
  assert.is(text(h.recv(fd, 16).data), 'reply');
});

test('close during connect: the attempt is abandoned, the server never sees it, nothing stays open', () => {
  const { h, x } = setup();
  const server = h.net.serve();
  server.hold();
  const fd = x.socket(4);
  h.wasi.fd_fdstat_set_flags!(fd, w.FDFLAGS_NONBLOCK);
  assert.is(name(x.connect(fd, '127.0.0.1', server.address.port)), 'EINPROGRESS');
  h.poll([{ tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: 5_000_000n }]);
  assert.is(x.status(fd).value, w.SOCK_STATUS_OPENING, 'still connecting while the server holds it');
  assert.is(name(h.wasi.sock_shutdown!(fd, w.SDFLAGS_WR)), 'ENOTCONN', 'shutdown while connecting');
  assert.is(h.wasi.fd_close!(fd), 0);
  server.release();
  h.poll([{ tag: w.EVENTTYPE_CLOCK, clockId: w.CLOCKID_MONOTONIC, timeout: 5_000_000n }]);
  assert.is(server.connections.length, 0, 'the server got nothing');
  assert.is(h.net.openHandles, 1, 'only the preopened listener is left');
  assert.equal([h.net.control.stats().connected, h.net.control.stats().closed, h.net.control.stats().open], [1, 1, 0]);
});

test('stop during a blocking connect: the connect goes on during the grace (a connection\'s wait), and completes', () => {
  const { h, x } = setup();
  const server = h.net.serve();
  server.hold();
  const fd = x.socket(4);
  h.net.after(10, () => h.net.stop());
  h.net.after(200, () => server.release());
  assert.is(name(x.connect(fd, '127.0.0.1', server.address.port)), 'SUCCESS');
  assert.is(server.connections.length, 1);
  assert.is(h.wasi.fd_close!(fd), 0);
});

test('the end of the grace ends a module asleep in a blocking connect', () => {
  const { h, x } = setup();
  const server = h.net.serve();
  server.hold();
  const fd = x.socket(4);
  h.net.after(10, () => h.net.stop());
  h.net.after(2010, () => h.net.requestEnd());
  assert.throws(() => x.connect(fd, '127.0.0.1', server.address.port), (e: unknown) => e instanceof ModuleStopped);
});

test.run();
