// The kernel-socket addon (native/*.c): loading it, and its typed interface.
//
// The addon gives the thread that calls it direct Linux sockets, with the wasm
// module's linear memory as the buffer: recv/send move bytes straight between
// a socket and guest memory, with no copy and no allocation per call. Every
// function is synchronous. A syscall failure is an answer, minus a Linux errno
// (os.constants.errno holds the Linux values); only an argument of the wrong
// kind (not a number, not an integer in range, not the right typed array)
// throws, a TypeError or RangeError naming the function and the argument.
//
// The binary is found in node-gyp-build's layout: build/Release/ first (built
// from source by `npm install` in a clone, scripts/addon-build.mjs), then
// prebuilds/<platform>-<arch>/ (shipped inside the npm package for linux-x64).
// It is looked for here, not by node-gyp-build, which reads six environment
// variables and /etc/alpine-release to choose: each one a permission a Deno
// user would have to grant. Here nothing outside the package is read.

import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { sandboxRefusal } from '../../js-runtime.js';
import { findPackageRoot } from '../../package-root.js';
import { optionalEnv } from '../optional-env.js';

/** Linux values, read from the system headers by the addon itself. */
export interface KernelConstants {
  readonly EPOLL_CTL_ADD: number;
  readonly EPOLL_CTL_DEL: number;
  readonly EPOLL_CTL_MOD: number;
  readonly EPOLLIN: number;
  readonly EPOLLOUT: number;
  readonly EPOLLRDHUP: number;
  readonly EPOLLPRI: number;
  readonly EPOLLERR: number;
  readonly EPOLLHUP: number;
  /** Bit 31: 2147483648 here; `EPOLLIN | EPOLLET` in JavaScript is negative, and epollCtl takes both. */
  readonly EPOLLET: number;
  readonly EPOLLONESHOT: number;
  /** Linux's shutdown values (0, 1, 2), not the WASI ones (1, 2, 3). */
  readonly SHUT_RD: number;
  readonly SHUT_WR: number;
  readonly SHUT_RDWR: number;
  /** Most (offset, length) pairs one recv/send takes; more answers -EINVAL. */
  readonly IOV_MAX: number;
  /** Most bytes one recv/send moves; a longer list is cut there, as the kernel cuts it. */
  readonly IO_MAX: number;
  /** The options of setOption/getOption: SO_REUSEADDR, TCP_NODELAY, SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF. */
  readonly OPT_REUSEADDR: number;
  readonly OPT_NODELAY: number;
  readonly OPT_KEEPALIVE: number;
  readonly OPT_RCVBUF: number;
  readonly OPT_SNDBUF: number;
}

/**
 * The addon's functions. Every fd is a real process-wide file descriptor: one
 * opened on one thread can be used from another that loaded the addon.
 * "→ n | -errno" means a count or an fd on success, minus a Linux errno on failure.
 */
export interface KernelAddon {
  readonly constants: KernelConstants;

  /**
   * A nonblocking, close-on-exec TCP listener on a numeric IPv4 or IPv6 address
   * (SO_REUSEADDR; IPV6_V6ONLY for IPv6), port 0 for any free port. With
   * `reusePort` also SO_REUSEPORT: listeners of this user bound so on one
   * address share it, and the kernel spreads new connections across them.
   * → fd | -errno (-EADDRINUSE, -EADDRNOTAVAIL, …). A host name throws a TypeError: resolve it first.
   */
  listen(ip: string, port: number, backlog: number, reusePort?: boolean): number;

  /** The port a socket is bound to (the real one after listen on port 0). → port | -errno. */
  localPort(fd: number): number;

  /**
   * accept4 (nonblocking, close-on-exec) and, on success, registers the new
   * connection in `epfd` for EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET (so the
   * connection costs no other epollCtl) and sets TCP_NODELAY.
   * → fd | -errno: -EAGAIN when none is pending; -EMFILE / -ENFILE when out of
   * fds (the connection stays in the backlog, as with accept(2)); if the
   * epoll registration fails the connection is closed and that errno returned.
   */
  accept(listenFd: number, epfd: number): number;

  /**
   * Binds the memory and the (offset, length) pairs that recv and send work
   * on in this thread, until the next bind(): `mem` is the module's memory,
   * `iov` the pairs into it. Reading typed arrays from arguments costs more
   * than a recvmsg, so they are taken once here and each call passes counts
   * only (bind through bindIfNeeded). Bind again whenever the views change: memory.grow() detaches the
   * old view, and a view detached when bound reads as empty (-EFAULT). The
   * pairs are read (and checked) at each call, so they may change in place. → 0.
   */
  bind(mem: Uint8Array, iov: Uint32Array): number;

  /**
   * Reads from `fd` straight into the bound memory: the first `iovCount`
   * bound pairs are filled in order. Never blocks. With `peek` the bytes stay
   * queued (MSG_PEEK).
   * → bytes read; 0 at EOF (and for a read of zero bytes); -EAGAIN when nothing
   * is there yet; -ECONNRESET after an RST; -EFAULT when a pair lies outside
   * the bound memory, nothing is bound, the memory was detached when bound, or
   * fewer than `iovCount` pairs are bound; -EINVAL for more than
   * constants.IOV_MAX pairs. -EFAULT and -EINVAL make no syscall and write nothing.
   */
  recv(fd: number, iovCount: number, peek: boolean): number;

  /**
   * Writes to `fd` straight from the bound memory (gather over the first
   * `iovCount` bound pairs), nonblocking, never raising SIGPIPE.
   * → bytes accepted (a short count when the socket buffer filled); -EAGAIN when
   * nothing fits; -EPIPE once the peer is gone; -ECONNRESET; the same
   * -EFAULT / -EINVAL checks as recv, before any syscall.
   */
  send(fd: number, iovCount: number): number;

  /** shutdown(2) with constants.SHUT_RD / SHUT_WR / SHUT_RDWR. → 0 | -errno. */
  shutdown(fd: number, how: number): number;

  /** close(2); the fd is released even when an error is reported. → 0 | -errno. */
  close(fd: number): number;

  /**
   * A second fd for the same socket (close-on-exec). A listener stays open,
   * with the connections queued on it, while either fd is. → fd | -errno.
   */
  dup(fd: number): number;

  /** Bytes waiting to be read (FIONREAD), for recv(MSG_PEEK|MSG_WAITALL). → count | -errno (-EINVAL on a listener). */
  inbound(fd: number): number;

  /**
   * About how many bytes one send would take now (SO_SNDBUF minus the bytes
   * still queued, SIOCOUTQ). The transport asks it once, of its first
   * connection: poll_oneoff's nbytes for a writable socket (README).
   * → count | -errno.
   */
  outboundRoom(fd: number): number;

  /** A nonblocking, close-on-exec eventfd, to wake a thread blocked in epollWait. → fd | -errno. */
  eventfd(): number;

  /**
   * Makes `efd` readable (adds 1). Safe from any thread, and from a process
   * 'exit' hook: a worker blocked in epollWait(-1) otherwise keeps the process
   * from ever exiting (process.exit() and worker.terminate() wait for it). → 0 | -errno.
   */
  wake(efd: number): number;

  /** Resets `efd` to not readable. → 0, or -EAGAIN when it was not woken. */
  drain(efd: number): number;

  /** epoll_create1(EPOLL_CLOEXEC). → epfd | -errno. */
  epollCreate(): number;

  /** epoll_ctl with constants.EPOLL_CTL_* and EPOLL* bits; the fd is what epollWait reports. → 0 | -errno. */
  epollCtl(epfd: number, op: number, fd: number, events: number): number;

  /**
   * Blocks up to `timeoutMs` (-1: no limit; 0: just look) and fills
   * out[2i] = fd, out[2i+1] = events for each ready fd, at most
   * out.length / 2 (and 1024) per call. → count | -errno; -EINTR when a signal
   * interrupted the wait (wait again with what is left of the timeout).
   */
  epollWait(epfd: number, out: Int32Array, timeoutMs: number): number;

  /**
   * For a module on the process's main thread (asleep in epollWait or busy in
   * wasm, it runs no JavaScript signal listener): from now on the first SIGINT
   * or SIGTERM sets `words[0]` to 1 (a ControlBlock's stop word, in a
   * SharedArrayBuffer: ControlBlock.stopWords()) and makes `wakeFd` readable,
   * from a native handler that chains to the one it replaced (unless that one
   * was Node's default, which ends the process); a repeated signal changes
   * nothing but the chain. After the first, a watchdog thread waits `graceMs`; unless
   * stopOnSignalsEnd() came first, it sets `words[1]` (the end word) and wakes
   * `wakeFd` again, and if stopOnSignalsEnd() has not come 500 ms later, it
   * writes `graceLine` to stderr and ends the process with status 128 + the
   * signal's number. One at a time per process. → 0 | -errno (-EBUSY when already on).
   */
  stopOnSignals(words: Int32Array, wakeFd: number, graceMs: number, graceLine: string): number;

  /** Puts the previous handlers back and ends the watchdog. → the first stop signal that came, or 0. */
  stopOnSignalsEnd(): number;

  // ---- sockets a module opens itself (native/dial.c) ----

  /** A nonblocking, close-on-exec TCP socket of IPv4 (4) or IPv6 (6), neither bound nor connected. → fd | -errno. */
  socket(family: 4 | 6): number;

  /** bind(2) to a numeric address (a host name throws a TypeError); not bind(), which binds guest memory. → 0 | -errno (-EADDRINUSE, -EADDRNOTAVAIL, -EINVAL, -EAFNOSUPPORT). */
  bindSocket(fd: number, ip: string, port: number): number;

  /** listen(2) on a socket made by socket(). → 0 | -errno. */
  listenSocket(fd: number, backlog: number): number;

  /**
   * connect(2), never blocking (the socket is nonblocking). → 0 | -EINPROGRESS
   * (the outcome comes as EPOLLOUT, or EPOLLERR with the error for
   * socketError()) | -errno (-ECONNREFUSED, -ENETUNREACH, -EAFNOSUPPORT, …).
   */
  connect(fd: number, ip: string, port: number): number;

  /** getsockopt(SO_ERROR): the pending error (a positive Linux errno, consumed), 0 for none; or -errno. */
  socketError(fd: number): number;

  /**
   * getsockname (peer false) or getpeername (peer true): the address's 4 or
   * 16 octets into out[0..]; → family << 16 | port (family 4 or 6) | -errno (-ENOTCONN).
   */
  address(fd: number, peer: boolean, out: Uint8Array): number;

  /** setsockopt(2) of constants.OPT_* with an int value. → 0 | -errno. */
  setOption(fd: number, option: number, value: number): number;

  /** getsockopt(2) of constants.OPT_*. → value | -errno. */
  getOption(fd: number, option: number): number;
}

export type KernelAddonLoad = { addon: KernelAddon; /** The binary it was loaded from. */ path: string } | { unavailable: string };

/** What this thread's addon has bound: the binding is per thread, whoever made it. */
const bound: { mem: Uint8Array | null; iov: Uint32Array | null; length: number } = { mem: null, iov: null, length: 0 };

/**
 * addon.bind(mem, iov), unless they are what this thread bound last. The host
 * passes the same two arrays every time until memory grows (its views are
 * then new, and an old one reads as length 0), so this is one compare per
 * call and one bind per growth. Every bind in a thread goes through here, or
 * the record would not say what is bound.
 */
export function bindIfNeeded(addon: KernelAddon, mem: Uint8Array, iov: Uint32Array): void {
  if (mem !== bound.mem || iov !== bound.iov || mem.length !== bound.length) {
    addon.bind(mem, iov);
    bound.mem = mem;
    bound.iov = iov;
    bound.length = mem.length;
  }
}

const FUNCTIONS = [
  'listen', 'localPort', 'accept', 'bind', 'recv', 'send', 'shutdown', 'close', 'dup', 'inbound', 'outboundRoom', 'eventfd',
  'wake', 'drain', 'epollCreate', 'epollCtl', 'epollWait', 'stopOnSignals', 'stopOnSignalsEnd', 'socket', 'bindSocket',
  'listenSocket', 'connect', 'socketError', 'address', 'setOption', 'getOption',
] as const satisfies readonly (keyof KernelAddon)[];

const REBUILD = 'build it with a C compiler: `npm rebuild wasi-evloop` (or `npm install` in a clone)';

let loaded: KernelAddonLoad | undefined;

/**
 * The addon for this thread, or why there is none and what to do. Loads once
 * per thread; never throws.
 */
export function loadKernelAddon(): KernelAddonLoad {
  try {
    loaded ??= load();
  } catch (error) {
    // Deno without --allow-read for the package: looking for the binary is refused.
    const refused = sandboxRefusal(error);
    if (refused === null) throw error;
    loaded = { unavailable: `${refused}: run deno with --allow-read for the wasi-evloop package's folder, and --allow-ffi` };
  }
  return loaded;
}

function load(): KernelAddonLoad {
  if (process.platform !== 'linux') {
    return { unavailable: `kernel sockets need Linux, this is ${process.platform}: use the node-net transport` };
  }
  const root = findPackageRoot();
  if (root === null) return { unavailable: 'cannot find the wasi-evloop package folder: reinstall wasi-evloop' };
  const require = createRequire(join(root, 'package.json'));
  // The tests point this at a folder laid out like the package (node-gyp-build's own override).
  const paths = binaries(optionalEnv('WASI_EVLOOP_PREBUILD') || root);
  if (paths.length === 0) return { unavailable: `no kernel-socket addon for linux-${process.arch} in ${root}: ${REBUILD}` };
  let addon: unknown;
  let path = paths[0]!;
  let failure: { error: unknown } | null = null;
  for (const candidate of paths) {
    try {
      addon = require(candidate);
      path = candidate;
      failure = null;
      break;
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure !== null) {
    const refused = sandboxRefusal(failure.error);
    if (refused !== null) return { unavailable: `${refused}: run deno with --allow-ffi (or --allow-ffi=${path})` };
    const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
    return { unavailable: `the kernel-socket addon ${path} does not load (${firstLine(message)}): ${REBUILD}` };
  }
  const missing = FUNCTIONS.filter((name) => typeof (addon as Record<string, unknown>)[name] !== 'function');
  if (missing.length > 0 || typeof (addon as { constants?: unknown }).constants !== 'object') {
    return { unavailable: `${path} is not this version's kernel-socket addon (missing ${missing.join(', ') || 'constants'}): ${REBUILD}` };
  }
  return { addon: addon as KernelAddon, path };
}

/**
 * The binaries to try, in order: any in build/Release/, then this platform's
 * in prebuilds/ (glibc before musl: a glibc binary does not load on musl, and
 * the next one is tried).
 */
function binaries(dir: string): string[] {
  const list = (folder: string, match: RegExp) => {
    try {
      return readdirSync(folder).filter((f) => match.test(f)).sort().map((f) => join(folder, f));
    } catch {
      return [];
    }
  };
  return [
    ...list(join(dir, 'build', 'Release'), /\.node$/),
    ...list(join(dir, 'prebuilds', `${process.platform}-${process.arch}`), /^node\.napi(\.[\w-]+)*\.node$/),
  ];
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
