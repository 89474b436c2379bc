import * as d from './defs.js';

/**
 * The one table from Node's error codes (err.code: POSIX names from libuv, plus
 * a few of Node's own) to WASI errno. WASI's errno names are POSIX's, so most
 * rows are the obvious ones; the rest say where Node's name differs.
 */
const NODE_CODE_TO_ERRNO: Readonly<Record<string, number>> = {
  E2BIG: d.ERRNO_2BIG,
  EACCES: d.ERRNO_ACCES,
  EADDRINUSE: d.ERRNO_ADDRINUSE,
  EADDRNOTAVAIL: d.ERRNO_ADDRNOTAVAIL,
  EAFNOSUPPORT: d.ERRNO_AFNOSUPPORT,
  EAGAIN: d.ERRNO_AGAIN,
  EWOULDBLOCK: d.ERRNO_AGAIN,
  EALREADY: d.ERRNO_ALREADY,
  EBADF: d.ERRNO_BADF,
  EBADMSG: d.ERRNO_BADMSG,
  EBUSY: d.ERRNO_BUSY,
  ECANCELED: d.ERRNO_CANCELED,
  ECHILD: d.ERRNO_CHILD,
  ECONNABORTED: d.ERRNO_CONNABORTED,
  ECONNREFUSED: d.ERRNO_CONNREFUSED,
  ECONNRESET: d.ERRNO_CONNRESET,
  EDEADLK: d.ERRNO_DEADLK,
  EDESTADDRREQ: d.ERRNO_DESTADDRREQ,
  EDOM: d.ERRNO_DOM,
  EDQUOT: d.ERRNO_DQUOT,
  EEXIST: d.ERRNO_EXIST,
  EFAULT: d.ERRNO_FAULT,
  EFBIG: d.ERRNO_FBIG,
  EHOSTUNREACH: d.ERRNO_HOSTUNREACH,
  EHOSTDOWN: d.ERRNO_HOSTUNREACH,
  EIDRM: d.ERRNO_IDRM,
  EILSEQ: d.ERRNO_ILSEQ,
  EINPROGRESS: d.ERRNO_INPROGRESS,
  EINTR: d.ERRNO_INTR,
  EINVAL: d.ERRNO_INVAL,
  EIO: d.ERRNO_IO,
  EISCONN: d.ERRNO_ISCONN,
  EISDIR: d.ERRNO_ISDIR,
  ELOOP: d.ERRNO_LOOP,
  EMFILE: d.ERRNO_MFILE,
  EMLINK: d.ERRNO_MLINK,
  EMSGSIZE: d.ERRNO_MSGSIZE,
  EMULTIHOP: d.ERRNO_MULTIHOP,
  ENAMETOOLONG: d.ERRNO_NAMETOOLONG,
  ENETDOWN: d.ERRNO_NETDOWN,
  ENETRESET: d.ERRNO_NETRESET,
  ENETUNREACH: d.ERRNO_NETUNREACH,
  ENFILE: d.ERRNO_NFILE,
  ENOBUFS: d.ERRNO_NOBUFS,
  ENODEV: d.ERRNO_NODEV,
  ENOENT: d.ERRNO_NOENT,
  ENOEXEC: d.ERRNO_NOEXEC,
  ENOLCK: d.ERRNO_NOLCK,
  ENOLINK: d.ERRNO_NOLINK,
  ENOMEM: d.ERRNO_NOMEM,
  ENOMSG: d.ERRNO_NOMSG,
  ENOPROTOOPT: d.ERRNO_NOPROTOOPT,
  ENOSPC: d.ERRNO_NOSPC,
  ENOSYS: d.ERRNO_NOSYS,
  ENOTCONN: d.ERRNO_NOTCONN,
  ENOTDIR: d.ERRNO_NOTDIR,
  ENOTEMPTY: d.ERRNO_NOTEMPTY,
  ENOTRECOVERABLE: d.ERRNO_NOTRECOVERABLE,
  ENOTSOCK: d.ERRNO_NOTSOCK,
  ENOTSUP: d.ERRNO_NOTSUP,
  EOPNOTSUPP: d.ERRNO_NOTSUP,
  ENOTTY: d.ERRNO_NOTTY,
  ENXIO: d.ERRNO_NXIO,
  EOVERFLOW: d.ERRNO_OVERFLOW,
  EOWNERDEAD: d.ERRNO_OWNERDEAD,
  EPERM: d.ERRNO_PERM,
  EPIPE: d.ERRNO_PIPE,
  // Linux's "cannot send after transport endpoint shutdown": WASI has no ESHUTDOWN.
  ESHUTDOWN: d.ERRNO_PIPE,
  EPROTO: d.ERRNO_PROTO,
  EPROTONOSUPPORT: d.ERRNO_PROTONOSUPPORT,
  EPROTOTYPE: d.ERRNO_PROTOTYPE,
  ERANGE: d.ERRNO_RANGE,
  EROFS: d.ERRNO_ROFS,
  ESPIPE: d.ERRNO_SPIPE,
  ESRCH: d.ERRNO_SRCH,
  ESTALE: d.ERRNO_STALE,
  ETIMEDOUT: d.ERRNO_TIMEDOUT,
  ETXTBSY: d.ERRNO_TXTBSY,
  EXDEV: d.ERRNO_XDEV,
  // Node's own codes for a socket used after it was destroyed or ended.
  ERR_SOCKET_CLOSED: d.ERRNO_PIPE,
  ERR_STREAM_DESTROYED: d.ERRNO_PIPE,
  ERR_STREAM_WRITE_AFTER_END: d.ERRNO_PIPE,
  EPEERRESET: d.ERRNO_CONNRESET,
};

/**
 * WASI errno for a Node error code (`err.code`). Codes without a WASI
 * counterpart, and a missing code, are ERRNO_IO: the module learns that the
 * operation failed, which is all it could act on.
 */
/** True for the error codes that name a POSIX errno ('EEXIST', 'ENOENT', ...), false for Node's own ('ERR_INVALID_ARG_TYPE', ...). */
export function isErrnoCode(code: string): boolean {
  return Object.hasOwn(NODE_CODE_TO_ERRNO, code);
}

export function errnoFromNodeCode(code: string | undefined): number {
  if (code === undefined) return d.ERRNO_IO;
  return Object.hasOwn(NODE_CODE_TO_ERRNO, code) ? NODE_CODE_TO_ERRNO[code]! : d.ERRNO_IO;
}

const ERRNO_NAMES: readonly string[] = (() => {
  const names: string[] = ['SUCCESS'];
  for (const [key, value] of Object.entries(d)) {
    if (key.startsWith('ERRNO_') && typeof value === 'number') names[value] = key.slice('ERRNO_'.length);
  }
  return names;
})();

/** 'ECONNRESET' for ERRNO_CONNRESET, for messages and test failures. */
export function errnoName(errno: number): string {
  if (errno === d.ERRNO_SUCCESS) return 'SUCCESS';
  const name = ERRNO_NAMES[errno];
  return name === undefined ? `errno ${errno}` : `E${name}`;
}

/**
 * Thrown by the struct codecs (a pointer outside memory: EFAULT; a count past
 * its limit: EINVAL). The host turns it into the import's return value.
 */
export class WasiErrnoError extends Error {
  constructor(readonly errno: number, message?: string) {
    super(message ?? errnoName(errno));
    this.name = 'WasiErrnoError';
  }
}
