// The WASIX socket imports (module wasix_32v1): sockets a module opens,
// binds, listens on and connects itself, their addresses, options and
// status, and `resolve` for IP literals. As in preview1-imports.ts, every
// method is an import of its own name and nothing else is one.
//
// The signatures are wasix-libc's lowering of wasix-org/wasix-witx's
// wasix_v1.witx (libc-bottom-half/sources/__wasixlibc_real.c): every
// argument an i32 except sock_set_opt_size's size (i64), the result the
// errno. The structs are ts/wasi/structs.ts's addr_port (110 bytes) and
// addr_ip (18 bytes). Where the ABI leaves a choice, POSIX decides: a call in
// the wrong socket state answers what Linux answers for it (EINVAL, EISCONN,
// EALREADY, ENOTCONN), an address of another family EAFNOSUPPORT, and a call
// the network policy does not allow EACCES (network-policy.ts says why).
//
// Sending, receiving and shutting down stay preview1's sock_send, sock_recv
// and sock_shutdown (as wasix-libc calls them), on every kind of socket.

import * as w from '../wasi/index.js';
import { formatIp, parseIp, type SocketAddress } from '../transport/address.js';
import { CONNECTING, FAILED, PEER_CLOSED, type SocketOption } from '../transport/types.js';
import { OpenedSocketFd } from './opened-socket-fd.js';
import type { SocketHost } from './socket-host.js';
import { ConnectionFd, ListenerFd, SocketFd } from './socket-fd.js';

/** sock_option → what the transport calls it; the flag options first, then the sizes. */
const FLAG_OPTIONS: ReadonlyMap<number, SocketOption> = new Map([
  [w.SOCK_OPTION_REUSE_ADDR, 'reuse-addr'],
  [w.SOCK_OPTION_NO_DELAY, 'no-delay'],
  [w.SOCK_OPTION_KEEP_ALIVE, 'keep-alive'],
]);
const SIZE_OPTIONS: ReadonlyMap<number, SocketOption> = new Map([
  [w.SOCK_OPTION_RECV_BUF_SIZE, 'recv-buffer'],
  [w.SOCK_OPTION_SEND_BUF_SIZE, 'send-buffer'],
]);

/** A buffer size larger than this is EINVAL (Linux takes an int). */
const MAX_BUFFER_SIZE = 0x7fffffff;

/** Names `resolve` answers without a lookup, as /etc/hosts does. */
const LOCALHOST: readonly { family: number; octets: Uint8Array }[] = [
  { family: w.ADDRESS_FAMILY_INET4, octets: Uint8Array.of(127, 0, 0, 1) },
  { family: w.ADDRESS_FAMILY_INET6, octets: Uint8Array.of(...new Array<number>(15).fill(0), 1) },
];

/**
 * listen(2)'s backlog (a C int) as the transports take it: at least 1, at
 * most MAX_BACKLOG; a negative one is "as many as allowed", as Linux takes it
 * (an unsigned value, cut to somaxconn).
 */
const MAX_BACKLOG = 4096;
function listenBacklog(backlog: number): number {
  const n = w.u32(backlog) | 0;
  return n < 0 ? MAX_BACKLOG : Math.min(MAX_BACKLOG, Math.max(1, n));
}

export class WasixSocketImports {
  constructor(private readonly host: SocketHost) {}

  sock_open(af: number, socktype: number, proto: number, roFd: number): number {
    const { host } = this;
    [af, socktype, proto, roFd] = [w.u32(af), w.u32(socktype), w.u32(proto), w.u32(roFd)];
    if (af !== w.ADDRESS_FAMILY_INET4 && af !== w.ADDRESS_FAMILY_INET6) return w.ERRNO_AFNOSUPPORT;
    if (socktype === w.SOCK_TYPE_SOCKET_DGRAM || socktype === w.SOCK_TYPE_SOCKET_RAW || socktype === w.SOCK_TYPE_SOCKET_SEQPACKET) {
      // Only TCP here: socket(2) answers so for a type the domain's protocols do not offer.
      return w.ERRNO_PROTONOSUPPORT;
    }
    if (socktype !== w.SOCK_TYPE_SOCKET_STREAM) return w.ERRNO_INVAL;
    if (proto !== w.SOCK_PROTO_IP && proto !== w.SOCK_PROTO_TCP) return w.ERRNO_PROTONOSUPPORT;
    w.checkRange(host.memory.view(), roFd, 4);
    if (host.full) return w.ERRNO_MFILE;
    const family = af === w.ADDRESS_FAMILY_INET4 ? 4 : 6;
    const handle = host.transport.open(family);
    if (handle < 0) return -handle;
    const fd = host.adopt(new OpenedSocketFd(host, handle, family));
    w.writeU32(host.memory.view(), roFd, fd);
    return w.ERRNO_SUCCESS;
  }

  sock_bind(fd: number, addr: number): number {
    const sock = this.#socket(fd);
    if (typeof sock === 'number') return sock;
    const address = this.#address(w.u32(addr));
    if (typeof address === 'number') return address;
    // Bound already (listening and connected sockets are): bind(2) says EINVAL.
    if (!(sock instanceof OpenedSocketFd) || sock.bound !== null) return w.ERRNO_INVAL;
    if (address.family !== sock.family) return w.ERRNO_AFNOSUPPORT;
    if (!this.host.permits('listen', address)) return w.ERRNO_ACCES;
    const r = this.host.transport.bind(sock.handle, address);
    if (r < 0) return -r;
    sock.bound = address;
    return w.ERRNO_SUCCESS;
  }

  sock_listen(fd: number, backlog: number): number {
    fd = w.u32(fd);
    const sock = this.#socket(fd);
    if (typeof sock === 'number') return sock;
    // listen(2) again on a listener only changes its backlog.
    if (sock instanceof ListenerFd) return w.ERRNO_SUCCESS;
    if (!(sock instanceof OpenedSocketFd)) return w.ERRNO_INVAL;
    // An unbound socket listens on its family's wildcard address, any port: that is what the policy must allow.
    if (sock.bound === null && !this.host.permits('listen', sock.anyAddress)) return w.ERRNO_ACCES;
    const r = this.host.transport.listen(sock.handle, listenBacklog(backlog));
    if (r < 0) return -r;
    // Its flags carry over (replaceSocket): blocking or not, as the module set them.
    this.host.replaceSocket(fd, sock, new ListenerFd(this.host, sock.handle, this.host, true));
    return w.ERRNO_SUCCESS;
  }

  sock_connect(fd: number, addr: number): number {
    fd = w.u32(fd);
    const { host } = this;
    const sock = this.#socket(fd);
    if (typeof sock === 'number') return sock;
    const address = this.#address(w.u32(addr));
    if (typeof address === 'number') return address;
    if (sock instanceof ConnectionFd) {
      // A second connect: still under way, or made (or failed: its error waits for recv or SO_ERROR).
      return host.transport.poll(sock.handle) & CONNECTING ? w.ERRNO_ALREADY : w.ERRNO_ISCONN;
    }
    if (!(sock instanceof OpenedSocketFd)) return w.ERRNO_ISCONN;
    if (address.family !== sock.family) return w.ERRNO_AFNOSUPPORT;
    if (!host.permits('connect', address)) return w.ERRNO_ACCES;
    const r = host.transport.dial(sock.handle, address);
    if (r < 0 && r !== -w.ERRNO_INPROGRESS) return -r;
    const conn = new ConnectionFd(host, sock.handle, sock.fdflags);
    host.replaceSocket(fd, sock, conn);
    host.control.countConnected();
    if (r === 0) return w.ERRNO_SUCCESS;
    if (conn.nonblocking) return w.ERRNO_INPROGRESS;
    // A blocking connect waits for the outcome, and answers it as SO_ERROR would.
    // Its wait is a connection's: a stop lets it go on until the grace ends.
    for (;;) {
      if (!(host.transport.poll(conn.handle) & CONNECTING)) return host.transport.socketError(conn.handle);
      host.waiting.sleep(-1);
    }
  }

  /** WASIX's accept: preview1's, plus the peer's address (wasix-libc's accept4 calls this one). */
  sock_accept_v2(fd: number, flags: number, roFd: number, roAddr: number): number {
    const sock = this.#socket(fd);
    if (typeof sock === 'number') return sock;
    flags = w.u32(flags);
    if ((flags & ~w.FDFLAGS_NONBLOCK) !== 0) return w.ERRNO_INVAL;
    [roFd, roAddr] = [w.u32(roFd), w.u32(roAddr)];
    // Both out-parameters are checked before a connection is taken.
    w.checkRange(this.host.memory.view(), roAddr, w.ADDR_PORT_SIZE);
    const r = sock.sock_accept(flags, roFd);
    if (r !== w.ERRNO_SUCCESS) return r;
    const accepted = this.host.descriptor(w.readU32(this.host.memory.view(), roFd));
    const peer = accepted instanceof SocketFd ? this.host.transport.peerAddress(accepted.handle) : -w.ERRNO_NOTCONN;
    // A peer already gone has no address to give: an unspecified one, as accept(2) may give.
    this.#writeAddress(roAddr, typeof peer === 'number' ? null : peer);
    return w.ERRNO_SUCCESS;
  }

  sock_addr_local(fd: number, ret: number): number {
    const sock = this.#socket(fd);
    if (typeof sock === 'number') return sock;
    ret = w.u32(ret);
    w.checkRange(this.host.memory.view(), ret, w.ADDR_PORT_SIZE);
    const address = this.host.transport.localAddress(sock.handle);
    if (typeof address === 'number') return -address;
    this.#writeAddress(ret, address);
    return w.ERRNO_SUCCESS;
  }

  sock_addr_peer(fd: number, ret: number): number {
    const sock = this.#socket(fd);
    if (typeof sock === 'number') return sock;
    ret = w.u32(ret);
    w.checkRange(this.host.memory.view(), ret, w.ADDR_PORT_SIZE);
    if (!(sock instanceof ConnectionFd)) return w.ERRNO_NOTCONN;
    const address = this.host.transport.peerAddress(sock.handle);
    if (typeof address === 'number') return -address;
    this.#writeAddress(ret, address);
    return w.ERRNO_SUCCESS;
  }

  sock_set_opt_flag(fd: number, opt: number, flag: number): number {
    const sock = this.#socket(fd);
    if (typeof sock === 'number') return sock;
    const option = FLAG_OPTIONS.get(w.u32(opt));
    if (option === undefined) return w.ERRNO_NOPROTOOPT;
    flag = w.u32(flag);
    if (flag !== w.BOOL_FALSE && flag !== w.BOOL_TRUE) return w.ERRNO_INVAL;
    return -this.host.transport.setOption(sock.handle, option, flag);
  }

  sock_get_opt_flag(fd: number, opt: number, ret: number): number {
    const sock = this.#socket(fd);
    if (typeof sock === 'number') return sock;
    opt = w.u32(opt);
    ret = w.u32(ret);
    w.checkRange(this.host.memory.view(), ret, 1);
    let value: number;
    if (opt === w.SOCK_OPTION_LISTENING) value = sock instanceof ListenerFd ? 1 : 0;
    else {
      const option = FLAG_OPTIONS.get(opt);
      if (option === undefined) return w.ERRNO_NOPROTOOPT;
      value = this.host.transport.getOption(sock.handle, option);
      if (value < 0) return -value;
    }
    this.host.memory.view().setUint8(ret, value !== 0 ? w.BOOL_TRUE : w.BOOL_FALSE);
    return w.ERRNO_SUCCESS;
  }

  sock_set_opt_size(fd: number, opt: number, size: bigint | number): number {
    const sock = this.#socket(fd);
    if (typeof sock === 'number') return sock;
    const option = SIZE_OPTIONS.get(w.u32(opt));
    if (option === undefined) return w.ERRNO_NOPROTOOPT;
    const bytes = typeof size === 'bigint' ? BigInt.asUintN(64, size) : BigInt(Math.trunc(Number(size)));
    if (bytes > BigInt(MAX_BUFFER_SIZE)) return w.ERRNO_INVAL;
    return -this.host.transport.setOption(sock.handle, option, Number(bytes));
  }

  sock_get_opt_size(fd: number, opt: number, ret: number): number {
    const sock = this.#socket(fd);
    if (typeof sock === 'number') return sock;
    opt = w.u32(opt);
    ret = w.u32(ret);
    w.checkRange(this.host.memory.view(), ret, 8);
    let value: number;
    if (opt === w.SOCK_OPTION_LAST_ERROR) {
      // SO_ERROR (Wasmer answers EINVAL here; wasix-libc's getsockopt answers 0
      // without asking): the outcome of a nonblocking connect, consumed.
      value = this.host.transport.socketError(sock.handle);
    } else if (opt === w.SOCK_OPTION_TYPE) value = w.SOCK_TYPE_SOCKET_STREAM;
    else if (opt === w.SOCK_OPTION_PROTO) value = w.SOCK_PROTO_TCP;
    else {
      const option = SIZE_OPTIONS.get(opt);
      if (option === undefined) return w.ERRNO_NOPROTOOPT;
      value = this.host.transport.getOption(sock.handle, option);
      if (value < 0) return -value;
    }
    w.writeU64(this.host.memory.view(), ret, BigInt(value));
    return w.ERRNO_SUCCESS;
  }

  sock_status(fd: number, ret: number): number {
    const sock = this.#socket(fd);
    if (typeof sock === 'number') return sock;
    ret = w.u32(ret);
    w.checkRange(this.host.memory.view(), ret, 1);
    let status: number;
    if (sock instanceof OpenedSocketFd) status = w.SOCK_STATUS_OPENING;
    else if (sock instanceof ListenerFd) status = w.SOCK_STATUS_OPENED;
    else {
      const bits = sock.readiness();
      status =
        bits & CONNECTING ? w.SOCK_STATUS_OPENING : bits & FAILED ? w.SOCK_STATUS_FAILED : bits & PEER_CLOSED ? w.SOCK_STATUS_CLOSED : w.SOCK_STATUS_OPENED;
    }
    this.host.memory.view().setUint8(ret, status);
    return w.ERRNO_SUCCESS;
  }

  /**
   * getaddrinfo's lookup, without one: an IP literal is its own address and
   * `localhost` is 127.0.0.1 and ::1; any other name answers ENOTSUP (this
   * host does no DNS, in Node as in a browser). Fills as many entries as fit.
   */
  resolve(hostPtr: number, hostLen: number, _port: number, addrs: number, naddrs: number, retN: number): number {
    [hostPtr, hostLen, addrs, naddrs, retN] = [w.u32(hostPtr), w.u32(hostLen), w.u32(addrs), w.u32(naddrs), w.u32(retN)];
    const view = this.host.memory.view();
    w.checkRange(view, hostPtr, hostLen);
    w.checkRange(view, retN, 4);
    // The whole array must lie in memory, as read(2) checks its whole buffer.
    w.checkRange(view, addrs, naddrs * w.ADDR_IP_SIZE);
    const name = new TextDecoder('utf-8', { fatal: false }).decode(this.host.memory.bytes().subarray(hostPtr, hostPtr + hostLen));
    const ip = parseIp(name);
    const found = ip !== null ? [{ family: ip.family === 4 ? w.ADDRESS_FAMILY_INET4 : w.ADDRESS_FAMILY_INET6, octets: ip.octets }] : name.toLowerCase() === 'localhost' ? LOCALHOST : null;
    if (found === null) return w.ERRNO_NOTSUP;
    const n = Math.min(found.length, naddrs);
    for (let i = 0; i < n; i++) w.writeAddrIp(view, addrs + i * w.ADDR_IP_SIZE, found[i]!.family, found[i]!.octets);
    view.setUint32(retN, n, true);
    return w.ERRNO_SUCCESS;
  }

  /** The socket at `fd`, or the errno for a missing (EBADF) or non-socket (ENOTSOCK) fd. */
  #socket(fd: number): SocketFd | number {
    const entry = this.host.descriptor(fd);
    if (entry === undefined) return w.ERRNO_BADF;
    if (!(entry instanceof SocketFd)) return w.ERRNO_NOTSOCK;
    return entry;
  }

  /** The module's addr_port at `ptr`: an IPv4 or IPv6 address, or the errno (EFAULT, EAFNOSUPPORT). */
  #address(ptr: number): SocketAddress | number {
    const a = w.readAddrPort(this.host.memory.view(), ptr);
    if (a.family !== w.ADDRESS_FAMILY_INET4 && a.family !== w.ADDRESS_FAMILY_INET6) return w.ERRNO_AFNOSUPPORT;
    return { family: a.family === w.ADDRESS_FAMILY_INET4 ? 4 : 6, host: formatIp(a.octets), port: a.port };
  }

  /** Writes `address` (null: an unspecified one) as an addr_port at `ptr`. */
  #writeAddress(ptr: number, address: SocketAddress | null): void {
    const view = this.host.memory.view();
    if (address === null) {
      w.writeAddrPort(view, ptr, { family: w.ADDRESS_FAMILY_UNSPEC, port: 0, octets: new Uint8Array(0), flowInfo: 0, scopeId: 0 });
      return;
    }
    const ip = parseIp(address.host);
    if (ip === null) throw new Error(`the transport gave an address that is no IP literal: ${JSON.stringify(address.host)}`);
    const family = ip.family === 4 ? w.ADDRESS_FAMILY_INET4 : w.ADDRESS_FAMILY_INET6;
    w.writeAddrPort(view, ptr, { family, port: address.port, octets: ip.octets, flowInfo: 0, scopeId: 0 });
  }
}
