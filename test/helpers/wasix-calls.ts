// The WASIX socket imports (wasix_32v1 sock_open & co) called as a module
// would, on a host harness (host-harness.ts): addresses in and out as the
// ABI's addr_port structs in the module's memory.

import * as w from '../../ts/wasi/index.js';
import { formatIp, parseIp, type SocketAddress } from '../../ts/transport/address.js';
import type { Harness } from './host-harness.js';

export interface Result<T> {
  errno: number;
  value: T;
}

/** 'EACCES' / 'SUCCESS', for assertions that name what went wrong. */
export const name = (errno: number) => w.errnoName(errno);

export function wasixCalls(h: Harness) {
  const { heap, wasix } = h;

  const addrPort = (host: string, port: number): number => {
    const ip = parseIp(host);
    if (ip === null) throw new Error(`not an IP literal: ${host}`);
    const ptr = heap.alloc(w.ADDR_PORT_SIZE, 2);
    w.writeAddrPort(heap.view(), ptr, {
      family: ip.family === 4 ? w.ADDRESS_FAMILY_INET4 : w.ADDRESS_FAMILY_INET6,
      port,
      octets: ip.octets,
      flowInfo: 0,
      scopeId: 0,
    });
    return ptr;
  };

  const readAddress = (ptr: number): SocketAddress | null => {
    const a = w.readAddrPort(heap.view(), ptr);
    if (a.family !== w.ADDRESS_FAMILY_INET4 && a.family !== w.ADDRESS_FAMILY_INET6) return null;
    return { family: a.family === w.ADDRESS_FAMILY_INET4 ? 4 : 6, host: formatIp(a.octets), port: a.port };
  };

  return {
    addrPort,
    readAddress,

    open(family: 4 | 6 = 4, type = w.SOCK_TYPE_SOCKET_STREAM, proto = w.SOCK_PROTO_TCP): Result<number> {
      const out = heap.alloc(4);
      const errno = wasix.sock_open!(family === 4 ? w.ADDRESS_FAMILY_INET4 : w.ADDRESS_FAMILY_INET6, type, proto, out);
      return { errno, value: errno === 0 ? heap.u32(out) : -1 };
    },

    /** A new socket; throws unless sock_open succeeds. */
    socket(family: 4 | 6 = 4): number {
      const r = this.open(family);
      if (r.errno !== 0) throw new Error(`sock_open: ${name(r.errno)}`);
      return r.value;
    },

    bind(fd: number, host: string, port: number): number {
      return wasix.sock_bind!(fd, addrPort(host, port));
    },

    listen(fd: number, backlog = 128): number {
      return wasix.sock_listen!(fd, backlog);
    },

    connect(fd: number, host: string, port: number): number {
      return wasix.sock_connect!(fd, addrPort(host, port));
    },

    acceptV2(fd: number, flags = w.FDFLAGS_NONBLOCK): Result<{ fd: number; peer: SocketAddress | null }> {
      const outFd = heap.alloc(4);
      const outAddr = heap.alloc(w.ADDR_PORT_SIZE, 2);
      const errno = wasix.sock_accept_v2!(fd, flags, outFd, outAddr);
      return { errno, value: errno === 0 ? { fd: heap.u32(outFd), peer: readAddress(outAddr) } : { fd: -1, peer: null } };
    },

    local(fd: number): Result<SocketAddress | null> {
      const out = heap.alloc(w.ADDR_PORT_SIZE, 2);
      const errno = wasix.sock_addr_local!(fd, out);
      return { errno, value: errno === 0 ? readAddress(out) : null };
    },

    peer(fd: number): Result<SocketAddress | null> {
      const out = heap.alloc(w.ADDR_PORT_SIZE, 2);
      const errno = wasix.sock_addr_peer!(fd, out);
      return { errno, value: errno === 0 ? readAddress(out) : null };
    },

    status(fd: number): Result<number> {
      const out = heap.alloc(1);
      const errno = wasix.sock_status!(fd, out);
      return { errno, value: errno === 0 ? heap.view().getUint8(out) : -1 };
    },

    /** SO_ERROR, as sock_get_opt_size(LAST_ERROR). */
    socketError(fd: number): Result<number> {
      const out = heap.alloc(8);
      const errno = wasix.sock_get_opt_size!(fd, w.SOCK_OPTION_LAST_ERROR, out);
      return { errno, value: errno === 0 ? Number(heap.view().getBigUint64(out, true)) : -1 };
    },

    setFlag(fd: number, option: number, on: boolean): number {
      return wasix.sock_set_opt_flag!(fd, option, on ? 1 : 0);
    },

    getFlag(fd: number, option: number): Result<boolean> {
      const out = heap.alloc(1);
      const errno = wasix.sock_get_opt_flag!(fd, option, out);
      return { errno, value: errno === 0 && heap.view().getUint8(out) === 1 };
    },

    setSize(fd: number, option: number, size: bigint): number {
      return wasix.sock_set_opt_size!(fd, option, size);
    },

    getSize(fd: number, option: number): Result<number> {
      const out = heap.alloc(8);
      const errno = wasix.sock_get_opt_size!(fd, option, out);
      return { errno, value: errno === 0 ? Number(heap.view().getBigUint64(out, true)) : -1 };
    },

    resolve(hostName: string, max = 4): Result<{ family: number; host: string }[]> {
      const ptr = heap.put(hostName);
      const addrs = heap.alloc(max * w.ADDR_IP_SIZE, 2);
      const out = heap.alloc(4);
      const errno = wasix.resolve!(ptr, new TextEncoder().encode(hostName).length, 0, addrs, max, out);
      if (errno !== 0) return { errno, value: [] };
      return {
        errno,
        value: Array.from({ length: heap.u32(out) }, (_, i) => {
          const a = w.readAddrIp(heap.view(), addrs + i * w.ADDR_IP_SIZE);
          return { family: a.family, host: formatIp(a.octets) };
        }),
      };
    },
  };
}
