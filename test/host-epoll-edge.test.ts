// Edge-triggered epoll (EPOLLET): a socket is reported once per change, not
// again while its state stays the same.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

test('one report per arrival, even if the data is not read', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const ep = h.epollCreate();
  h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN | w.EPOLLET);
  c.write('a');
  assert.is(h.epollWait(ep).events.length, 1);
  assert.is(h.epollWait(ep).events.length, 0, 'no new edge');
  c.write('b');
  assert.equal(h.epollWait(ep).events.map((e) => e.events), [w.EPOLLIN], 'new data: a new edge');
  assert.is(h.epollWait(ep).events.length, 0);
  assert.equal(Array.from(h.recv(fd, 1).data), [97]);
  assert.is(h.epollWait(ep).events.length, 0, 'a partial read is no new edge, though data remains');
  assert.equal(Array.from(h.recv(fd, 8).data), [98]);
});

test('added while already ready: reported once', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  c.write('ready before ADD');
  const ep = h.epollCreate();
  h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLIN | w.EPOLLET);
  assert.is(h.epollWait(ep).events.length, 1);
  assert.is(h.epollWait(ep).events.length, 0);
});

test('EPOLLOUT edge: reported when room comes back after a full buffer', () => {
  const h = makeHarness({ net: { bufferSize: 8 } });
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const ep = h.epollCreate();
  h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLOUT | w.EPOLLET);
  assert.is(h.epollWait(ep).events.length, 1);
  assert.is(h.epollWait(ep).events.length, 0);
  assert.is(h.send(fd, new Uint8Array(20)).n, 8);
  assert.is(h.epollWait(ep).events.length, 0);
  c.read(3);
  assert.equal(h.epollWait(ep).events.map((e) => e.events), [w.EPOLLOUT]);
});

test('ERR and HUP are reported without being asked for', () => {
  const h = makeHarness();
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const ep = h.epollCreate();
  h.epollCtl(ep, w.EPOLL_CTL_ADD, fd, w.EPOLLET);
  c.reset();
  const r = h.epollWait(ep);
  assert.equal(r.events.map((e) => e.events), [w.EPOLLERR | w.EPOLLHUP]);
});

test.run();
