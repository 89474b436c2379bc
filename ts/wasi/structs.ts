// Explicit-offset codecs for the structs the socket host reads and writes in
// guest memory (wasm32: little-endian, pointers and sizes are u32).
//
// Every codec takes a DataView over the module's memory as it is now: memory
// can grow between calls (the old ArrayBuffer is then detached), so callers
// make or refresh the view per call. Every codec checks its range first and
// throws WasiErrnoError(EFAULT) instead of touching memory out of bounds.

import { ADDRESS_FAMILY_INET4, ADDRESS_FAMILY_INET6, ERRNO_FAULT, ERRNO_INVAL, EVENTTYPE_CLOCK, IOV_MAX } from './defs.js';
import { WasiErrnoError } from './errno.js';

/** An i32 argument as the u32 it is in the ABI (pointers and lengths past 2 GiB arrive negative). */
export const u32 = (v: unknown): number => Number(v) >>> 0;

/** Throws EFAULT unless [ptr, ptr + size) lies inside the view. ptr and size are u32. */
export function checkRange(view: DataView, ptr: number, size: number): void {
  checkSpan(view.byteLength, ptr, size);
}

/** checkRange, for a memory of `length` bytes (a DataView's byteLength is a call; a length known already is not). */
export function checkSpan(length: number, ptr: number, size: number): void {
  // Plain numbers: ptr + size < 2^33 is exact, so no wrap-around can hide an overflow.
  if (!(ptr >= 0 && size >= 0 && ptr + size <= length)) outsideMemory(length, ptr, size);
}

/** The throw of checkSpan, apart: the check itself stays small enough to be inlined where it is called. */
function outsideMemory(length: number, ptr: number, size: number): never {
  throw new WasiErrnoError(ERRNO_FAULT, `[${ptr}, +${size}) is outside memory (${length} bytes)`);
}

export function readU32(view: DataView, ptr: number): number {
  checkRange(view, ptr, 4);
  return view.getUint32(ptr, true);
}

export function writeU32(view: DataView, ptr: number, value: number): void {
  checkRange(view, ptr, 4);
  view.setUint32(ptr, value, true);
}

export function writeU64(view: DataView, ptr: number, value: bigint): void {
  checkRange(view, ptr, 8);
  view.setBigUint64(ptr, value, true);
}

// iovec / ciovec: { buf: u32 @0, buf_len: u32 @4 }, 8 bytes.
export const IOVEC_SIZE = 8;

export interface Iovec {
  buf: number;
  len: number;
}

/**
 * Reads an iovec (or ciovec) array into `out` as (buf, len) pairs and returns
 * how many it kept, having checked that every buffer lies in memory. More
 * than `maxCount` entries is EINVAL, like writev(2) past IOV_MAX; this also
 * bounds the work a hostile count can cause. Empty buffers are not
 * range-checked (POSIX allows any pointer with length 0) and are dropped.
 * `out` needs room for 2 * min(count, maxCount) numbers.
 */
export function readIovecsInto(
  view: DataView,
  ptr: number,
  count: number,
  out: Uint32Array,
  maxCount: number = IOV_MAX,
  /** The view's byteLength, when the caller knows it already (asking a DataView is a call). */
  length: number = view.byteLength,
): number {
  if (count > maxCount) throw new WasiErrnoError(ERRNO_INVAL, `${count} iovecs (limit ${maxCount})`);
  checkSpan(length, ptr, count * IOVEC_SIZE);
  let kept = 0;
  for (let i = 0; i < count; i++) {
    const at = ptr + i * IOVEC_SIZE;
    const buf = view.getUint32(at, true);
    const len = view.getUint32(at + 4, true);
    if (len === 0) continue;
    checkSpan(length, buf, len);
    out[2 * kept] = buf;
    out[2 * kept + 1] = len;
    kept++;
  }
  return kept;
}

/** readIovecsInto, as objects (for the paths where an allocation per call does not matter). */
export function readIovecs(view: DataView, ptr: number, count: number, maxCount: number = IOV_MAX): Iovec[] {
  const pairs = new Uint32Array(2 * Math.min(count, maxCount));
  const kept = readIovecsInto(view, ptr, count, pairs, maxCount);
  return Array.from({ length: kept }, (_, i) => ({ buf: pairs[2 * i]!, len: pairs[2 * i + 1]! }));
}

export function writeIovecs(view: DataView, ptr: number, iovecs: readonly Iovec[]): void {
  checkRange(view, ptr, iovecs.length * IOVEC_SIZE);
  iovecs.forEach((iov, i) => {
    view.setUint32(ptr + i * IOVEC_SIZE, iov.buf, true);
    view.setUint32(ptr + i * IOVEC_SIZE + 4, iov.len, true);
  });
}

// subscription, 48 bytes: userdata u64 @0, tag u8 @8, then the union @16:
//   clock: id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40
//   fd_read / fd_write: file_descriptor u32 @16
export const SUBSCRIPTION_SIZE = 48;

export interface Subscription {
  userdata: bigint;
  /** EVENTTYPE_*; anything else is kept as read so the caller can reject it. */
  tag: number;
  /** fd_read / fd_write subscriptions. */
  fd: number;
  /** Clock subscriptions. */
  clockId: number;
  timeout: bigint;
  precision: bigint;
  flags: number;
}

export function readSubscription(view: DataView, ptr: number): Subscription {
  checkRange(view, ptr, SUBSCRIPTION_SIZE);
  return {
    userdata: view.getBigUint64(ptr, true),
    tag: view.getUint8(ptr + 8),
    fd: view.getUint32(ptr + 16, true),
    clockId: view.getUint32(ptr + 16, true),
    timeout: view.getBigUint64(ptr + 24, true),
    precision: view.getBigUint64(ptr + 32, true),
    flags: view.getUint16(ptr + 40, true),
  };
}

/** Encodes a subscription (the module's side; used by tests and tools). Clock fields are written for tag CLOCK only. */
export function writeSubscription(view: DataView, ptr: number, s: Subscription): void {
  checkRange(view, ptr, SUBSCRIPTION_SIZE);
  new Uint8Array(view.buffer, view.byteOffset + ptr, SUBSCRIPTION_SIZE).fill(0);
  view.setBigUint64(ptr, s.userdata, true);
  view.setUint8(ptr + 8, s.tag);
  if (s.tag === EVENTTYPE_CLOCK) {
    view.setUint32(ptr + 16, s.clockId, true);
    view.setBigUint64(ptr + 24, s.timeout, true);
    view.setBigUint64(ptr + 32, s.precision, true);
    view.setUint16(ptr + 40, s.flags, true);
  } else {
    view.setUint32(ptr + 16, s.fd, true);
  }
}

// event, 32 bytes: userdata u64 @0, error u16 @8, type u8 @10,
//   fd_readwrite: nbytes u64 @16, flags u16 @24
export const EVENT_SIZE = 32;

export interface Event {
  userdata: bigint;
  error: number;
  type: number;
  nbytes: bigint;
  flags: number;
}

export function writeEvent(view: DataView, ptr: number, e: Event): void {
  checkRange(view, ptr, EVENT_SIZE);
  new Uint8Array(view.buffer, view.byteOffset + ptr, EVENT_SIZE).fill(0);
  view.setBigUint64(ptr, e.userdata, true);
  view.setUint16(ptr + 8, e.error, true);
  view.setUint8(ptr + 10, e.type);
  view.setBigUint64(ptr + 16, e.nbytes, true);
  view.setUint16(ptr + 24, e.flags, true);
}

export function readEvent(view: DataView, ptr: number): Event {
  checkRange(view, ptr, EVENT_SIZE);
  return {
    userdata: view.getBigUint64(ptr, true),
    error: view.getUint16(ptr + 8, true),
    type: view.getUint8(ptr + 10),
    nbytes: view.getBigUint64(ptr + 16, true),
    flags: view.getUint16(ptr + 24, true),
  };
}

// fdstat, 24 bytes: fs_filetype u8 @0, fs_flags u16 @2, fs_rights_base u64 @8, fs_rights_inheriting u64 @16
export const FDSTAT_SIZE = 24;

export interface Fdstat {
  filetype: number;
  flags: number;
  rightsBase: bigint;
  rightsInheriting: bigint;
}

export function writeFdstat(view: DataView, ptr: number, s: Fdstat): void {
  checkRange(view, ptr, FDSTAT_SIZE);
  new Uint8Array(view.buffer, view.byteOffset + ptr, FDSTAT_SIZE).fill(0);
  view.setUint8(ptr, s.filetype);
  view.setUint16(ptr + 2, s.flags, true);
  view.setBigUint64(ptr + 8, s.rightsBase, true);
  view.setBigUint64(ptr + 16, s.rightsInheriting, true);
}

export function readFdstat(view: DataView, ptr: number): Fdstat {
  checkRange(view, ptr, FDSTAT_SIZE);
  return {
    filetype: view.getUint8(ptr),
    flags: view.getUint16(ptr + 2, true),
    rightsBase: view.getBigUint64(ptr + 8, true),
    rightsInheriting: view.getBigUint64(ptr + 16, true),
  };
}

// filestat, 64 bytes: dev u64 @0, ino u64 @8, filetype u8 @16, nlink u64 @24,
//   size u64 @32, atim u64 @40, mtim u64 @48, ctim u64 @56
export const FILESTAT_SIZE = 64;

export interface Filestat {
  dev: bigint;
  ino: bigint;
  filetype: number;
  nlink: bigint;
  size: bigint;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}

export function writeFilestat(view: DataView, ptr: number, s: Filestat): void {
  checkRange(view, ptr, FILESTAT_SIZE);
  new Uint8Array(view.buffer, view.byteOffset + ptr, FILESTAT_SIZE).fill(0);
  view.setBigUint64(ptr, s.dev, true);
  view.setBigUint64(ptr + 8, s.ino, true);
  view.setUint8(ptr + 16, s.filetype);
  view.setBigUint64(ptr + 24, s.nlink, true);
  view.setBigUint64(ptr + 32, s.size, true);
  view.setBigUint64(ptr + 40, s.atim, true);
  view.setBigUint64(ptr + 48, s.mtim, true);
  view.setBigUint64(ptr + 56, s.ctim, true);
}

export function readFilestat(view: DataView, ptr: number): Filestat {
  checkRange(view, ptr, FILESTAT_SIZE);
  return {
    dev: view.getBigUint64(ptr, true),
    ino: view.getBigUint64(ptr + 8, true),
    filetype: view.getUint8(ptr + 16),
    nlink: view.getBigUint64(ptr + 24, true),
    size: view.getBigUint64(ptr + 32, true),
    atim: view.getBigUint64(ptr + 40, true),
    mtim: view.getBigUint64(ptr + 48, true),
    ctim: view.getBigUint64(ptr + 56, true),
  };
}

// prestat, 8 bytes: tag u8 @0, then for PREOPENTYPE_DIR: pr_name_len u32 @4
export const PRESTAT_SIZE = 8;

export interface Prestat {
  tag: number;
  nameLen: number;
}

export function writePrestat(view: DataView, ptr: number, p: Prestat): void {
  checkRange(view, ptr, PRESTAT_SIZE);
  new Uint8Array(view.buffer, view.byteOffset + ptr, PRESTAT_SIZE).fill(0);
  view.setUint8(ptr, p.tag);
  view.setUint32(ptr + 4, p.nameLen, true);
}

export function readPrestat(view: DataView, ptr: number): Prestat {
  checkRange(view, ptr, PRESTAT_SIZE);
  return { tag: view.getUint8(ptr), nameLen: view.getUint32(ptr + 4, true) };
}

// WASIX epoll_event, 32 bytes: events u32 @0, data @8 (24 bytes:
//   ptr u32 @0, fd u32 @4, data1 u32 @8, data2 u64 @16). The host never
//   interprets data: it stores the 24 bytes and hands them back verbatim.
export const EPOLL_EVENT_SIZE = 32;
export const EPOLL_DATA_OFFSET = 8;
export const EPOLL_DATA_SIZE = 24;

export interface EpollEvent {
  events: number;
  /** A copy of the 24-byte data blob. */
  data: Uint8Array;
}

export function readEpollEvent(view: DataView, ptr: number): EpollEvent {
  checkRange(view, ptr, EPOLL_EVENT_SIZE);
  const data = new Uint8Array(EPOLL_DATA_SIZE);
  data.set(new Uint8Array(view.buffer, view.byteOffset + ptr + EPOLL_DATA_OFFSET, EPOLL_DATA_SIZE));
  return { events: view.getUint32(ptr, true), data };
}

export function writeEpollEvent(view: DataView, ptr: number, events: number, data: Uint8Array): void {
  checkRange(view, ptr, EPOLL_EVENT_SIZE);
  view.setUint32(ptr, events >>> 0, true);
  view.setUint32(ptr + 4, 0, true);
  new Uint8Array(view.buffer, view.byteOffset + ptr + EPOLL_DATA_OFFSET, EPOLL_DATA_SIZE).set(data.subarray(0, EPOLL_DATA_SIZE));
}

/** The fields of the data blob by name, for modules' side (tests, tools). */
export interface EpollData {
  ptr: number;
  fd: number;
  data1: number;
  data2: bigint;
}

export function encodeEpollData(d: EpollData): Uint8Array {
  const bytes = new Uint8Array(EPOLL_DATA_SIZE);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, d.ptr, true);
  v.setUint32(4, d.fd, true);
  v.setUint32(8, d.data1, true);
  v.setBigUint64(16, d.data2, true);
  return bytes;
}

export function decodeEpollData(bytes: Uint8Array): EpollData {
  const v = new DataView(bytes.buffer, bytes.byteOffset, EPOLL_DATA_SIZE);
  return { ptr: v.getUint32(0, true), fd: v.getUint32(4, true), data1: v.getUint32(8, true), data2: v.getBigUint64(16, true) };
}

// WASIX addr_port, 110 bytes (api_wasix.h: sizeof(__wasi_addr_port_t) == 110,
// align 2): tag u8 @0 (address_family), then the union @2, each member
// starting with the port as a u16 in the module's byte order (little-endian;
// wasix-libc's sockaddr_to_wasi stores ntohs(sin_port) there):
//   inet4: port @2, the four octets in network order @4..7
//   inet6: port @2, the sixteen octets in network order @4..19 (wasix-libc
//          memcpy's s6_addr over the u16 fields n0..h3), flow_info1 u16 @20,
//          flow_info0 @22, scope_id1 @24, scope_id0 @26
// Wasmer writes the port big-endian in sock_addr_local/sock_addr_peer/accept
// (its PR 4166 to change that was closed unmerged); the spec, wasix-libc and
// the wasix Rust std are little-endian both ways, and so is this host.
export const ADDR_PORT_SIZE = 110;

export interface AddrPort {
  /** ADDRESS_FAMILY_*, as read: the caller decides what it accepts. */
  family: number;
  port: number;
  /** 4 octets (inet4) or 16 (inet6), network order; empty for any other family. */
  octets: Uint8Array;
  /** inet6 only. */
  flowInfo: number;
  scopeId: number;
}

export function readAddrPort(view: DataView, ptr: number): AddrPort {
  checkRange(view, ptr, ADDR_PORT_SIZE);
  const family = view.getUint8(ptr);
  const port = view.getUint16(ptr + 2, true);
  const length = family === ADDRESS_FAMILY_INET4 ? 4 : family === ADDRESS_FAMILY_INET6 ? 16 : 0;
  const octets = new Uint8Array(length);
  octets.set(new Uint8Array(view.buffer, view.byteOffset + ptr + 4, length));
  const six = family === ADDRESS_FAMILY_INET6;
  return {
    family,
    port,
    octets,
    flowInfo: six ? ((view.getUint16(ptr + 20, true) << 16) | view.getUint16(ptr + 22, true)) >>> 0 : 0,
    scopeId: six ? ((view.getUint16(ptr + 24, true) << 16) | view.getUint16(ptr + 26, true)) >>> 0 : 0,
  };
}

export function writeAddrPort(view: DataView, ptr: number, a: AddrPort): void {
  checkRange(view, ptr, ADDR_PORT_SIZE);
  new Uint8Array(view.buffer, view.byteOffset + ptr, ADDR_PORT_SIZE).fill(0);
  view.setUint8(ptr, a.family);
  view.setUint16(ptr + 2, a.port, true);
  new Uint8Array(view.buffer, view.byteOffset + ptr + 4, a.octets.length).set(a.octets);
  if (a.family === ADDRESS_FAMILY_INET6) {
    view.setUint16(ptr + 20, a.flowInfo >>> 16, true);
    view.setUint16(ptr + 22, a.flowInfo & 0xffff, true);
    view.setUint16(ptr + 24, a.scopeId >>> 16, true);
    view.setUint16(ptr + 26, a.scopeId & 0xffff, true);
  }
}

// WASIX addr_ip, 18 bytes (api_wasix.h: sizeof(__wasi_addr_ip_t) == 18), what
// `resolve` fills: tag u8 @0, then @2 the four (inet4) or sixteen (inet6,
// addr_ip6_bare) octets in network order.
export const ADDR_IP_SIZE = 18;

export function writeAddrIp(view: DataView, ptr: number, family: number, octets: Uint8Array): void {
  checkRange(view, ptr, ADDR_IP_SIZE);
  new Uint8Array(view.buffer, view.byteOffset + ptr, ADDR_IP_SIZE).fill(0);
  view.setUint8(ptr, family);
  new Uint8Array(view.buffer, view.byteOffset + ptr + 2, octets.length).set(octets);
}

export function readAddrIp(view: DataView, ptr: number): { family: number; octets: Uint8Array } {
  checkRange(view, ptr, ADDR_IP_SIZE);
  const family = view.getUint8(ptr);
  const length = family === ADDRESS_FAMILY_INET4 ? 4 : family === ADDRESS_FAMILY_INET6 ? 16 : 0;
  return { family, octets: new Uint8Array(view.buffer.slice(view.byteOffset + ptr + 2, view.byteOffset + ptr + 2 + length)) };
}
