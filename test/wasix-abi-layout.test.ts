// The WASIX socket ABI as the host reads and writes it (ts/wasi/structs.ts,
// ts/wasi/defs.ts) against the published definitions: addr_port is 110
// bytes (wasix-libc api_wasix.h), the port a little-endian u16 at 2, the
// octets in network order from 4, IPv6 flow info and scope id at 20 and 24;
// addr_ip is 18 bytes, its octets from 2. The repository's C header
// (c/include/wasix/sockets.h), compiled with the project's toolchain, agrees.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as w from '../ts/wasi/index.js';
import { run } from '../ts/index.js';
import { fixtureWasm } from './helpers/fixtures.js';

test('addr_port: inet4 and inet6 at their offsets, little-endian port, octets in network order', () => {
  const v = new DataView(new ArrayBuffer(256));
  w.writeAddrPort(v, 2, { family: w.ADDRESS_FAMILY_INET4, port: 8080, octets: Uint8Array.of(127, 0, 0, 1), flowInfo: 0, scopeId: 0 });
  assert.equal(Array.from(new Uint8Array(v.buffer, 2, 8)), [1, 0, 0x90, 0x1f, 127, 0, 0, 1]);
  assert.equal(w.readAddrPort(v, 2), { family: 1, port: 8080, octets: Uint8Array.of(127, 0, 0, 1), flowInfo: 0, scopeId: 0 });

  const six = Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1);
  w.writeAddrPort(v, 120, { family: w.ADDRESS_FAMILY_INET6, port: 443, octets: six, flowInfo: 0x12345678, scopeId: 7 });
  assert.equal([v.getUint8(120), v.getUint16(122, true)], [2, 443]);
  assert.equal(Array.from(new Uint8Array(v.buffer, 124, 16)), Array.from(six));
  assert.equal([v.getUint16(140, true), v.getUint16(142, true), v.getUint16(144, true), v.getUint16(146, true)], [0x1234, 0x5678, 0, 7]);
  assert.equal(w.readAddrPort(v, 120), { family: 2, port: 443, octets: six, flowInfo: 0x12345678, scopeId: 7 });
  assert.is(w.ADDR_PORT_SIZE, 110);
});

test('addr_ip: 18 bytes, the tag then the octets at 2; the codecs refuse memory they do not have', () => {
  const v = new DataView(new ArrayBuffer(64));
  w.writeAddrIp(v, 0, w.ADDRESS_FAMILY_INET4, Uint8Array.of(10, 1, 2, 3));
  assert.equal(Array.from(new Uint8Array(v.buffer, 0, 6)), [1, 0, 10, 1, 2, 3]);
  assert.equal(w.readAddrIp(v, 0), { family: 1, octets: Uint8Array.of(10, 1, 2, 3) });
  assert.is(w.ADDR_IP_SIZE, 18);
  assert.throws(() => w.readAddrPort(v, 0), (e: unknown) => e instanceof w.WasiErrnoError && e.errno === w.ERRNO_FAULT);
  assert.throws(() => w.writeAddrIp(v, 50, 1, new Uint8Array(4)), (e: unknown) => e instanceof w.WasiErrnoError && e.errno === w.ERRNO_FAULT);
});

test('the enums as wasix_v1.witx numbers them', () => {
  assert.equal([w.ADDRESS_FAMILY_UNSPEC, w.ADDRESS_FAMILY_INET4, w.ADDRESS_FAMILY_INET6, w.ADDRESS_FAMILY_UNIX], [0, 1, 2, 3]);
  assert.equal([w.SOCK_TYPE_SOCKET_STREAM, w.SOCK_TYPE_SOCKET_DGRAM], [1, 2]);
  assert.equal([w.SOCK_STATUS_OPENING, w.SOCK_STATUS_OPENED, w.SOCK_STATUS_CLOSED, w.SOCK_STATUS_FAILED], [0, 1, 2, 3]);
  assert.equal([w.SOCK_OPTION_REUSE_ADDR, w.SOCK_OPTION_NO_DELAY, w.SOCK_OPTION_LAST_ERROR, w.SOCK_OPTION_KEEP_ALIVE, w.SOCK_OPTION_RECV_BUF_SIZE, w.SOCK_OPTION_SEND_BUF_SIZE], [2, 3, 11, 12, 15, 16]);
});

test('c/include/wasix/sockets.h, compiled for wasm32-wasip1, has the layout the host codec has', async () => {
  let out = '';
  const code = await run(fixtureWasm('wasix_layout', { wasixSockets: true }), { stdout: (bytes) => (out += Buffer.from(bytes).toString()) });
  assert.is(code, 0);
  assert.equal(JSON.parse(out), { size: w.ADDR_PORT_SIZE, port: 2, octets: 4, flowInfo: 20, scopeId: 24, inet4: w.ADDRESS_FAMILY_INET4, inet6: w.ADDRESS_FAMILY_INET6 });
});

test.run();
