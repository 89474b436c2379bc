// Memory can grow between calls (and shared memory can be used): the host
// reads and writes through views of memory as it is at each call.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness, text } from './helpers/host-harness.js';

test('after memory.grow, buffers in the new pages work', () => {
  const h = makeHarness({ pages: 1 });
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  const oldSize = h.heap.size;
  h.heap.alloc(oldSize); // forces a grow
  assert.ok(h.heap.size > oldSize);
  c.write('into the new page');
  const r = h.recv(fd, 64);
  assert.is(text(r.data), 'into the new page');
  assert.ok(h.heap.alloc(0) > oldSize, 'the buffers were past the old end');
});

test('shared memory works the same', () => {
  const h = makeHarness({ shared: true });
  const c = h.net.connect()!;
  const fd = h.acceptNew();
  c.write('shared');
  assert.is(text(h.recv(fd, 16).data), 'shared');
  h.memory.grow(1);
  assert.is(h.send(fd, 'back').n, 4);
  assert.is(text(c.read()), 'back');
});

test.run();
