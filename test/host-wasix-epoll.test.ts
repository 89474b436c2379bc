// A socket the module opened, in epoll and poll_oneoff: registered while
// fresh, its registration carries over when it connects or listens (as on
// Linux, where it is the socket's), and it reports exactly what an accepted
// connection or a preopened listener reports.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as w from '../ts/wasi/index.js';
import { makeHarness } from './helpers/host-harness.js';
import { wasixCalls } from './helpers/wasix-calls.js';

function setup() {
  const h = makeHarness({ host: { policy: { connect: ['127.0.0.1:*'], listen: ['127.0.0.1:*'] } } });
  return { h, x: wasixCalls(h) };
}

test('fresh socket: EPOLLOUT|EPOLLHUP, as Linux reports a closed TCP socket', () => {
  const { h, x } = setup();
  const fd = x.socket(4);
  const ep = h.epollCreate();
  assert.is(h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN | w.EPOLLOUT), 0);
  assert.equal(h.epollWait(ep).events.map((e) => e.events), [w.EPOLLOUT | w.EPOLLHUP]);
});

test('registered before connect: nothing while connecting, EPOLLOUT once connected, EPOLLIN for bytes (edge-triggered)', () => {
  const { h, x } = setup();
  const server = h.net.serve();
  server.hold();
  const fd = x.socket(4);
  h.wasi.fd_fdstat_set_flags!(fd, w.FDFLAGS_NONBLOCK);
  const ep = h.epollCreate();
  h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN | w.EPOLLOUT | w.EPOLLRDHUP | w.EPOLLET, { data1: 7 });
  x.connect(fd, '127.0.0.1', server.address.port);
  assert.equal(h.epollWait(ep, 8, 1_000_000n).events, [], 'nothing while the connect is under way');
  assert.equal(h.poll([{ tag: w.EVENTTYPE_FD_WRITE, fd }, { tag: 0, clockId: 1, timeout: 1_000_000n }]).events.map((e) => e.type), [0], 'poll_oneoff: only the clock');
  server.release();
  const connected = h.epollWait(ep, 8, 10_000_000n).events;
  assert.equal(connected.map((e) => [e.events, e.data.data1]), [[w.EPOLLOUT, 7]], 'writable once connected, with its data');
  assert.equal(h.epollWait(ep).events, [], 'edge-triggered: reported once');
  server.connections[0]!.write('x');
  assert.equal(h.epollWait(ep, 8, 10_000_000n).events.map((e) => e.events), [w.EPOLLIN | w.EPOLLOUT]);
  server.connections[0]!.reset();
  const reset = h.epollWait(ep, 8, 10_000_000n).events.map((e) => e.events)[0]!;
  assert.ok((reset & (w.EPOLLERR | w.EPOLLHUP)) === (w.EPOLLERR | w.EPOLLHUP), `a reset is ERR|HUP (got ${reset})`);
});

test('registered before listen: EPOLLIN for a pending connection', () => {
  const { h, x } = setup();
  const fd = x.socket(4);
  x.bind(fd, '127.0.0.1', 0);
  const ep = h.epollCreate();
  h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN);
  x.listen(fd);
  assert.equal(h.epollWait(ep).events, [], 'a listener with nothing pending');
  h.net.connectTo(x.local(fd).value!);
  assert.equal(h.epollWait(ep, 8, 10_000_000n).events.map((e) => e.events), [w.EPOLLIN]);
  assert.is(h.epollCtl(ep, w.EPOLL_CTL_DEL, fd, 0), 0, 'the registration is the listener\'s now');
});

test.run();
