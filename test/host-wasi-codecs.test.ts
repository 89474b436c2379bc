// ts/wasi: struct codecs at their ABI offsets, bounds checks, and the Node
// error code table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as w from '../ts/wasi/index.js';

const view = () => new DataView(new ArrayBuffer(256));

test('subscription and event: the documented offsets', () => {
  const v = view();
  w.writeSubscription(v, 48, { userdata: 0x1122334455667788n, tag: w.EVENTTYPE_CLOCK, fd: 0, clockId: 1, timeout: 5n, precision: 7n, flags: 1 });
  assert.is(v.getBigUint64(48, true), 0x1122334455667788n);
  assert.is(v.getUint8(56), 0);
  assert.is(v.getUint32(64, true), 1);
  assert.is(v.getBigUint64(72, true), 5n);
  assert.is(v.getBigUint64(80, true), 7n);
  assert.is(v.getUint16(88, true), 1);
  const s = w.readSubscription(v, 48);
  assert.is(s.timeout, 5n);
  w.writeEvent(v, 0, { userdata: 9n, error: w.ERRNO_BADF, type: w.EVENTTYPE_FD_WRITE, nbytes: 100n, flags: 1 });
  assert.equal([v.getUint16(8, true), v.getUint8(10), v.getBigUint64(16, true), v.getUint16(24, true)], [8, 2, 100n, 1]);
});

test('fdstat, prestat, epoll_event: offsets and sizes', () => {
  const v = view();
  w.writeFdstat(v, 0, { filetype: 6, flags: 4, rightsBase: 1n << 40n, rightsInheriting: 3n });
  assert.equal([v.getUint8(0), v.getUint16(2, true), v.getBigUint64(8, true), v.getBigUint64(16, true)], [6, 4, 1n << 40n, 3n]);
  w.writePrestat(v, 32, { tag: 0, nameLen: 5 });
  assert.is(v.getUint32(36, true), 5);
  const data = w.encodeEpollData({ ptr: 1, fd: 2, data1: 3, data2: 4n });
  w.writeEpollEvent(v, 64, w.EPOLLIN | w.EPOLLHUP, data);
  assert.equal([v.getUint32(64, true), v.getUint32(72, true), v.getUint32(76, true), v.getUint32(80, true), v.getBigUint64(88, true)], [33, 1, 2, 3, 4n]);
  assert.equal(w.decodeEpollData(w.readEpollEvent(v, 64).data), { ptr: 1, fd: 2, data1: 3, data2: 4n });
  assert.equal([w.SUBSCRIPTION_SIZE, w.EVENT_SIZE, w.FDSTAT_SIZE, w.PRESTAT_SIZE, w.EPOLL_EVENT_SIZE, w.IOVEC_SIZE], [48, 32, 24, 8, 32, 8]);
});

test('every codec refuses out-of-bounds access with EFAULT, iovec counts past IOV_MAX with EINVAL', () => {
  const v = view();
  const errnoOf = (fn: () => unknown) => {
    try {
      fn();
      return 0;
    } catch (e) {
      return e instanceof w.WasiErrnoError ? e.errno : -1;
    }
  };
  assert.is(errnoOf(() => w.readSubscription(v, 256 - 47)), w.ERRNO_FAULT);
  assert.is(errnoOf(() => w.writeEvent(v, 225, { userdata: 0n, error: 0, type: 0, nbytes: 0n, flags: 0 })), w.ERRNO_FAULT);
  assert.is(errnoOf(() => w.writeFdstat(v, 0xffffffff, { filetype: 0, flags: 0, rightsBase: 0n, rightsInheriting: 0n })), w.ERRNO_FAULT);
  assert.is(errnoOf(() => w.readEpollEvent(v, 240)), w.ERRNO_FAULT);
  assert.is(errnoOf(() => w.writeU32(v, 253, 0)), w.ERRNO_FAULT);
  assert.is(errnoOf(() => w.readIovecs(v, 0, w.IOV_MAX + 1)), w.ERRNO_INVAL);
  assert.is(errnoOf(() => w.readIovecs(v, 0, 33)), w.ERRNO_FAULT, '33 iovecs need 264 bytes');
  v.setUint32(0, 200, true);
  v.setUint32(4, 57, true);
  assert.is(errnoOf(() => w.readIovecs(v, 0, 1)), w.ERRNO_FAULT, 'a buffer past the end');
  v.setUint32(0, 0xffffffff, true);
  v.setUint32(4, 0, true);
  assert.equal(w.readIovecs(v, 0, 1), [], 'an empty buffer may point anywhere');
  v.setUint32(4, 0xffffffff, true);
  assert.is(errnoOf(() => w.readIovecs(v, 0, 1)), w.ERRNO_FAULT, 'ptr + len overflowing 32 bits');
});

test('errnoFromNodeCode: POSIX names, Node aliases, unknown codes are EIO', () => {
  assert.is(w.errnoFromNodeCode('ECONNRESET'), w.ERRNO_CONNRESET);
  assert.is(w.errnoFromNodeCode('EPIPE'), w.ERRNO_PIPE);
  assert.is(w.errnoFromNodeCode('EADDRINUSE'), w.ERRNO_ADDRINUSE);
  assert.is(w.errnoFromNodeCode('EACCES'), w.ERRNO_ACCES);
  assert.is(w.errnoFromNodeCode('EWOULDBLOCK'), w.ERRNO_AGAIN);
  assert.is(w.errnoFromNodeCode('EOPNOTSUPP'), w.ERRNO_NOTSUP);
  assert.is(w.errnoFromNodeCode('ERR_STREAM_WRITE_AFTER_END'), w.ERRNO_PIPE);
  assert.is(w.errnoFromNodeCode('EAI_AGAIN'), w.ERRNO_IO);
  assert.is(w.errnoFromNodeCode('toString'), w.ERRNO_IO, 'no prototype lookups');
  assert.is(w.errnoFromNodeCode(undefined), w.ERRNO_IO);
  assert.is(w.errnoName(w.ERRNO_CONNRESET), 'ECONNRESET');
  assert.is(w.errnoName(w.ERRNO_NOTCAPABLE), 'ENOTCAPABLE');
});

test.run();
