// WASIX socket calls given what POSIX refuses: unsupported families, types
// and protocols, addresses of another family, calls in the wrong socket
// state, bad pointers and fds. Each answers the errno POSIX (Linux) gives,
// and nothing reaches the network or throws.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as w from '../ts/wasi/index.js';
import { makeHarness } from './helpers/host-harness.js';
import { name, wasixCalls } from './helpers/wasix-calls.js';

function setup() {
  const h = makeHarness({ host: { policy: { connect: ['127.0.0.1:*'], listen: ['127.0.0.1:*'] } } });
  return { h, x: wasixCalls(h) };
}

test('sock_open: families, types and protocols it does not serve', () => {
  const { h, x } = setup();
  const open = (af: number, type: number, proto: number) => name(h.wasix.sock_open!(af, type, proto, h.heap.alloc(4)));
  assert.is(open(w.ADDRESS_FAMILY_UNIX, w.SOCK_TYPE_SOCKET_STREAM, 0), 'EAFNOSUPPORT');
  assert.is(open(w.ADDRESS_FAMILY_UNSPEC, w.SOCK_TYPE_SOCKET_STREAM, 0), 'EAFNOSUPPORT');
  assert.is(open(99, w.SOCK_TYPE_SOCKET_STREAM, 0), 'EAFNOSUPPORT');
  assert.is(open(w.ADDRESS_FAMILY_INET4, w.SOCK_TYPE_SOCKET_DGRAM, 0), 'EPROTONOSUPPORT');
  assert.is(open(w.ADDRESS_FAMILY_INET4, w.SOCK_TYPE_SOCKET_RAW, 0), 'EPROTONOSUPPORT');
  assert.is(open(w.ADDRESS_FAMILY_INET4, 77, 0), 'EINVAL');
  assert.is(open(w.ADDRESS_FAMILY_INET4, w.SOCK_TYPE_SOCKET_STREAM, w.SOCK_PROTO_UDP), 'EPROTONOSUPPORT');
  assert.is(open(w.ADDRESS_FAMILY_INET6, w.SOCK_TYPE_SOCKET_STREAM, w.SOCK_PROTO_TCP), 'SUCCESS');
  assert.is(name(h.wasix.sock_open!(w.ADDRESS_FAMILY_INET4, w.SOCK_TYPE_SOCKET_STREAM, 0, 0xfffffff0)), 'EFAULT');
  assert.is(x.open(4).errno, 0);
});

test('wrong state: fresh sockets neither read, write, accept nor shut down; peers only of connections', () => {
  const { h, x } = setup();
  const fd = x.socket(4);
  assert.is(name(h.recv(fd, 4).errno), 'ENOTCONN');
  assert.is(name(h.send(fd, 'x').errno), 'ENOTCONN');
  assert.is(name(h.read(fd, 4).errno), 'ENOTCONN');
  assert.is(name(h.write(fd, 'x').errno), 'ENOTCONN');
  assert.is(name(h.wasi.sock_shutdown!(fd, w.SDFLAGS_WR)), 'ENOTCONN');
  assert.is(name(x.acceptV2(fd).errno), 'EINVAL', 'accept on a socket that does not listen');
  assert.is(name(x.peer(fd).errno), 'ENOTCONN');
  assert.equal(x.local(fd).value, { family: 4, host: '0.0.0.0', port: 0 }, 'an unbound socket');
  const listener = h.listenerFd();
  assert.is(name(x.connect(listener, '127.0.0.1', 1)), 'EISCONN', 'connect on a listener');
  assert.is(name(x.bind(listener, '127.0.0.1', 1)), 'EINVAL', 'bind on a listener');
  assert.is(name(x.peer(listener).errno), 'ENOTCONN');
  assert.is(name(x.connect(fd, '::1', 80)), 'EAFNOSUPPORT', 'an IPv6 address for an IPv4 socket');
});

test('addresses of no family this host serves, bad pointers and fds, non-sockets', () => {
  const { h, x } = setup();
  const fd = x.socket(4);
  const unix = h.heap.alloc(w.ADDR_PORT_SIZE, 2);
  h.heap.view().setUint8(unix, w.ADDRESS_FAMILY_UNIX);
  assert.is(name(h.wasix.sock_connect!(fd, unix)), 'EAFNOSUPPORT');
  assert.is(name(h.wasix.sock_bind!(fd, unix)), 'EAFNOSUPPORT');
  assert.is(name(h.wasix.sock_connect!(fd, h.memory.buffer.byteLength - 10)), 'EFAULT');
  assert.is(name(h.wasix.sock_addr_local!(fd, -1)), 'EFAULT');
  assert.is(name(h.wasix.sock_status!(fd, -1)), 'EFAULT');
  assert.is(name(h.wasix.sock_connect!(999, x.addrPort('127.0.0.1', 1))), 'EBADF');
  assert.is(name(h.wasix.sock_listen!(1, 5)), 'ENOTSOCK', 'stdout is no socket');
  assert.is(name(h.wasix.sock_accept_v2!(h.listenerFd(), 0, h.heap.alloc(4), -1)), 'EFAULT', 'checked before taking a connection');
  assert.is(h.internalErrors.length, 0);
});

test('options: the flags and sizes served, LAST_ERROR as SO_ERROR, others ENOPROTOOPT', () => {
  const { x } = setup();
  const fd = x.socket(4);
  for (const option of [w.SOCK_OPTION_REUSE_ADDR, w.SOCK_OPTION_NO_DELAY, w.SOCK_OPTION_KEEP_ALIVE]) {
    assert.equal(x.getFlag(fd, option), { errno: 0, value: false });
    assert.is(x.setFlag(fd, option, true), 0);
    assert.equal(x.getFlag(fd, option), { errno: 0, value: true });
  }
  assert.is(x.setSize(fd, w.SOCK_OPTION_RECV_BUF_SIZE, 4096n), 0);
  assert.is(x.getSize(fd, w.SOCK_OPTION_RECV_BUF_SIZE).value, 4096);
  assert.is(name(x.setSize(fd, w.SOCK_OPTION_SEND_BUF_SIZE, 1n << 40n)), 'EINVAL');
  assert.is(x.getSize(fd, w.SOCK_OPTION_TYPE).value, w.SOCK_TYPE_SOCKET_STREAM);
  assert.is(x.getSize(fd, w.SOCK_OPTION_LAST_ERROR).value, 0);
  assert.is(name(x.setFlag(fd, w.SOCK_OPTION_BROADCAST, true)), 'ENOPROTOOPT');
  assert.is(name(x.getSize(fd, w.SOCK_OPTION_TTL).errno), 'ENOPROTOOPT');
  assert.is(name(x.setFlag(fd, w.SOCK_OPTION_NO_DELAY, false) ), 'SUCCESS');
});

test('resolve: IP literals and localhost without a lookup, names ENOTSUP', () => {
  const { x } = setup();
  assert.equal(x.resolve('127.0.0.1').value, [{ family: w.ADDRESS_FAMILY_INET4, host: '127.0.0.1' }]);
  assert.equal(x.resolve('0:0::1').value, [{ family: w.ADDRESS_FAMILY_INET6, host: '::1' }]);
  assert.equal(x.resolve('localhost').value, [
    { family: w.ADDRESS_FAMILY_INET4, host: '127.0.0.1' },
    { family: w.ADDRESS_FAMILY_INET6, host: '::1' },
  ]);
  assert.equal(x.resolve('localhost', 1).value.length, 1, 'as many as fit');
  assert.is(name(x.resolve('example.com').errno), 'ENOTSUP');
});

test.run();
