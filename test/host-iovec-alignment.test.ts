// The host reads a module's iovec arrays wherever they are: at any alignment
// (C lays them out 4-aligned; a hostile module need not) they give the same
// scatter list and every buffer is checked the same way (EFAULT); and after
// memory.grow, whose views the host now renews only when the old ones are
// detached, an array in the new pages is read from them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHarness } from './helpers/host-harness.js';
import * as w from '../ts/wasi/index.js';

const PAGE = 65536;

/** Writes the iovec array for `bufs` at `ptr` (any alignment). */
function iovecsAt(view: DataView, ptr: number, bufs: readonly [number, number][]): void {
  bufs.forEach(([buf, len], i) => {
    view.setUint32(ptr + 8 * i, buf, true);
    view.setUint32(ptr + 8 * i + 4, len, true);
  });
}

test('an iovec array at any alignment scatters the same bytes; a bad buffer in it is EFAULT', () => {
  const h = makeHarness();
  const client = h.net.connect()!;
  const fd = h.acceptNew();
  for (const misalign of [0, 1, 2, 3]) {
    client.write('abcdefgh');
    const ptr = h.heap.alloc(32, 8) + misalign;
    const a = h.heap.alloc(3, 1);
    const b = h.heap.alloc(5, 1);
    iovecsAt(h.heap.view(), ptr, [[a, 3], [b, 5]]);
    const out = h.heap.alloc(4);
    const flags = h.heap.alloc(4);
    assert.is(h.wasi.sock_recv!(fd, ptr, 2, 0, out, flags), 0, `recv, iovecs at +${misalign}`);
    assert.is(h.heap.u32(out), 8);
    assert.is(new TextDecoder().decode(h.heap.get(a, 3)) + new TextDecoder().decode(h.heap.get(b, 5)), 'abcdefgh', `bytes, iovecs at +${misalign}`);

    iovecsAt(h.heap.view(), ptr, [[a, 3], [h.heap.size - 2, 4]]);
    assert.is(h.wasi.sock_send!(fd, ptr, 2, 0, out), w.ERRNO_FAULT, `send past the end, iovecs at +${misalign}`);
  }
});

test('after memory.grow, an aligned iovec array in the new pages is read from them', () => {
  const h = makeHarness({ pages: 1 });
  const client = h.net.connect()!;
  const fd = h.acceptNew();
  // A first call, so that the host has its views of the one-page memory.
  assert.is(h.send(fd, 'x').errno, 0);
  h.memory.grow(1);
  const ptr = PAGE + 64;
  iovecsAt(h.heap.view(), ptr, [[PAGE + 128, 4]]);
  h.heap.bytes().set(new TextEncoder().encode('late'), PAGE + 128);
  const out = PAGE + 256;
  assert.is(h.wasi.sock_send!(fd, ptr, 1, 0, out), 0);
  assert.is(h.heap.u32(out), 4);
  assert.is(client.readText(), 'xlate');
});

test.run();
