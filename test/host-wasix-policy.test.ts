// The network policy on the socket host: nothing unless allowed. A connect or
// listen outside the rules answers EACCES before anything reaches the
// network (a server that counts its connections sees none), is counted in
// the stats and reported once per address; HOST:* allows any port of HOST,
// localhost both loopback addresses, and an IPv4-mapped IPv6 address is
// checked as the IPv4 address it reaches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NetworkPolicy } from '../ts/host/network-policy.js';
import { makeHarness } from './helpers/host-harness.js';
import { name, wasixCalls } from './helpers/wasix-calls.js';

function setup(connect: string[], listen: string[] = []) {
  const denied: string[] = [];
  const h = makeHarness({ host: { policy: { connect, listen }, onDenied: (what) => denied.push(what) } });
  return { h, x: wasixCalls(h), denied };
}

test('by default every connect is denied: EACCES, counted, reported once per address, zero connections reach the server', () => {
  const { h, x, denied } = setup([]);
  const server = h.net.serve();
  for (let i = 0; i < 3; i++) {
    const fd = x.socket(4);
    assert.is(name(x.connect(fd, '127.0.0.1', server.address.port)), 'EACCES');
    assert.is(x.status(fd).value, 0, 'the socket is still a fresh one');
  }
  const other = x.socket(4);
  assert.is(name(x.connect(other, '127.0.0.1', server.address.port + 1)), 'EACCES');
  h.poll([{ tag: 0, clockId: 1, timeout: 1_000_000n }]);
  assert.is(server.connections.length, 0, 'connections that reached the server');
  assert.is(h.net.control.stats().denied, 4);
  assert.is(h.net.control.stats().connected, 0);
  assert.equal(denied, [`connect to 127.0.0.1:${server.address.port}`, `connect to 127.0.0.1:${server.address.port + 1}`]);
});

test('allowed: exactly the address given; HOST:* any port of that host and no other host', () => {
  const { h, x } = setup(['127.0.0.1:7000', '[::1]:*']);
  h.net.serve({ host: '127.0.0.1', port: 7000 });
  h.net.serve({ host: '127.0.0.1', port: 7001 });
  h.net.serve({ host: '::1', port: 9999 });
  assert.is(x.connect(x.socket(4), '127.0.0.1', 7000), 0);
  assert.is(name(x.connect(x.socket(4), '127.0.0.1', 7001)), 'EACCES', 'another port of an allowed host');
  assert.is(x.connect(x.socket(6), '::1', 9999), 0, 'any port of [::1]:*');
  assert.is(name(x.connect(x.socket(6), '::2', 9999)), 'EACCES', 'another host');
  assert.is(name(x.connect(x.socket(6), '0:0:0:0:0:0:0:1', 9999)), 'SUCCESS', 'another spelling of an allowed address');
});

test('an IPv4-mapped IPv6 address is checked as the IPv4 address it reaches', () => {
  const { x } = setup(['[::1]:*']);
  assert.is(name(x.connect(x.socket(6), '::ffff:127.0.0.1', 80)), 'EACCES');
  const allowed = setup(['127.0.0.1:80']);
  assert.is(name(allowed.x.connect(allowed.x.socket(6), '::ffff:127.0.0.1', 80)), 'ECONNREFUSED', 'allowed, and nothing listens there');
});

test('listen: bind outside the rules is EACCES, inside them works; an unbound listen needs the wildcard address', () => {
  const { h, x, denied } = setup([], ['127.0.0.1:8080', '[::1]:*']);
  assert.is(x.bind(x.socket(4), '127.0.0.1', 8080), 0);
  assert.is(name(x.bind(x.socket(4), '127.0.0.1', 8081)), 'EACCES');
  assert.is(name(x.bind(x.socket(4), '0.0.0.0', 8080)), 'EACCES', 'the wildcard address is another address');
  assert.is(x.bind(x.socket(6), '::1', 0), 0, '[::1]:* allows any port');
  assert.is(name(x.listen(x.socket(4))), 'EACCES', 'listen without bind listens on 0.0.0.0, any port');
  assert.is(h.net.control.stats().denied, 3);
  assert.equal(denied, ['listen on 127.0.0.1:8081', 'listen on 0.0.0.0:8080', 'listen on 0.0.0.0:0']);
});

test('localhost is both loopback addresses', () => {
  const { x } = setup(['localhost:80']);
  assert.is(name(x.connect(x.socket(4), '127.0.0.1', 80)), 'ECONNREFUSED', 'allowed, and nothing listens there');
  assert.is(name(x.connect(x.socket(6), '::1', 80)), 'ECONNREFUSED');
  assert.is(name(x.connect(x.socket(4), '127.0.0.2', 80)), 'EACCES');
});

test('rules: what a rule may be, and what it says when it is not', () => {
  for (const good of ['127.0.0.1:80', '127.0.0.1:*', '[::1]:443', '[2001:db8::1]:*', 'localhost:8080']) new NetworkPolicy({ connect: [good], listen: [] });
  for (const [bad, says] of [
    ['example.com:80', 'names are not looked up'],
    ['127.0.0.1', 'expected HOST:PORT or HOST:*'],
    ['127.0.0.1:65536', 'expected HOST:PORT'],
    ['::1:80', 'expected HOST:PORT'],
    ['[127.0.0.1]:80', 'must be an IP address'],
    ['127.0.0.1:-1', 'expected HOST:PORT'],
  ] as const) {
    assert.throws(() => new NetworkPolicy({ connect: [bad], listen: [] }), (e: Error) => e.message.includes(says), `${bad}: ${says}`);
  }
});

test.run();
