// WASIX sock_bind + sock_listen + sock_accept_v2 on the socket host
// (in-memory network): a socket the module opened listens where it was bound
// (port 0: a free port, which sock_addr_local tells), accepts with the peer's
// address, and a module can connect to its own listener.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as w from '../ts/wasi/index.js';
import { makeHarness, text } from './helpers/host-harness.js';
import { name, wasixCalls } from './helpers/wasix-calls.js';

const POLICY = { host: { policy: { connect: ['127.0.0.1:*'], listen: ['127.0.0.1:*', '[::1]:*'] } } };

test('bind to port 0, listen, accept_v2 gives the connection and its peer address', () => {
  const h = makeHarness(POLICY);
  const x = wasixCalls(h);
  const fd = x.socket(4);
  assert.is(x.bind(fd, '127.0.0.1', 0), 0);
  const bound = x.local(fd).value!;
  assert.ok(bound.port > 0, `a free port was chosen (got ${bound.port})`);
  assert.is(x.status(fd).value, w.SOCK_STATUS_OPENING, 'bound, not yet listening');
  assert.is(x.listen(fd), 0);
  assert.is(x.status(fd).value, w.SOCK_STATUS_OPENED);
  assert.equal(x.getFlag(fd, w.SOCK_OPTION_LISTENING).value, true, 'SO_ACCEPTCONN');
  h.wasi.fd_fdstat_set_flags!(fd, w.FDFLAGS_NONBLOCK);
  assert.is(name(x.acceptV2(fd).errno), 'EAGAIN', 'nothing pending');

  const client = h.net.connectTo(bound);
  assert.ok(client !== null, 'the network finds the listener by its address');
  h.poll([{ tag: w.EVENTTYPE_FD_READ, fd }]);
  const accepted = x.acceptV2(fd);
  assert.is(accepted.errno, 0);
  assert.equal(accepted.value.peer, client!.address, "accept_v2's address is the peer's");
  assert.equal(x.peer(accepted.value.fd).value, client!.address);
  assert.equal(x.local(accepted.value.fd).value, bound);
  client!.write('hi');
  h.poll([{ tag: w.EVENTTYPE_FD_READ, fd: accepted.value.fd }]);
  assert.is(text(h.recv(accepted.value.fd, 8).data), 'hi');
  assert.is(h.net.control.stats().accepted, 1);
});

test('a module connects to its own listener: bytes, FIN and addresses both ways', () => {
  const h = makeHarness(POLICY);
  const x = wasixCalls(h);
  const listener = x.socket(4);
  x.bind(listener, '127.0.0.1', 0);
  x.listen(listener);
  const port = x.local(listener).value!.port;
  const dialer = x.socket(4);
  h.wasi.fd_fdstat_set_flags!(dialer, w.FDFLAGS_NONBLOCK);
  assert.is(name(x.connect(dialer, '127.0.0.1', port)), 'EINPROGRESS');
  h.poll([{ tag: w.EVENTTYPE_FD_READ, fd: listener }]);
  const { value } = x.acceptV2(listener);
  assert.equal(value.peer, x.local(dialer).value, "the accepted peer is the dialer's address");
  assert.equal(x.peer(dialer).value, { family: 4, host: '127.0.0.1', port });
  assert.is(x.socketError(dialer).value, 0);

  assert.is(h.send(dialer, 'to the server').n, 13);
  h.wasi.sock_shutdown!(dialer, w.SDFLAGS_WR);
  h.poll([{ tag: w.EVENTTYPE_FD_READ, fd: value.fd }]);
  assert.is(text(h.recv(value.fd, 64).data), 'to the server');
  assert.is(h.recv(value.fd, 64).data.length, 0, 'EOF after the FIN');
  h.send(value.fd, 'to the client');
  h.wasi.fd_close!(value.fd);
  h.poll([{ tag: w.EVENTTYPE_FD_READ, fd: dialer }]);
  assert.is(text(h.recv(dialer, 64).data), 'to the client');
  h.poll([{ tag: w.EVENTTYPE_FD_READ, fd: dialer }]);
  assert.is(h.recv(dialer, 64).data.length, 0, 'EOF after the server closed');
});

test('an address in use is EADDRINUSE; binding twice is EINVAL; listen twice is 0', () => {
  const h = makeHarness(POLICY);
  const x = wasixCalls(h);
  const a = x.socket(6);
  assert.is(x.bind(a, '::1', 0), 0);
  const port = x.local(a).value!.port;
  assert.is(name(x.bind(a, '::1', port + 1)), 'EINVAL', 'a second bind');
  const b = x.socket(6);
  assert.is(name(x.bind(b, '::1', port)), 'EADDRINUSE');
  assert.is(x.listen(a), 0);
  assert.is(x.listen(a), 0, 'listen on a listener');
  assert.is(name(x.bind(b, '10.1.2.3', 80)), 'EAFNOSUPPORT', 'an IPv4 address for an IPv6 socket');
});

test.run();
