// WASI preview1 and WASIX epoll constants, flat, as the witx files define them.
// Values are ABI: they must never change.

export const CLOCKID_REALTIME = 0;
export const CLOCKID_MONOTONIC = 1;
export const CLOCKID_PROCESS_CPUTIME_ID = 2;
export const CLOCKID_THREAD_CPUTIME_ID = 3;

export const ERRNO_SUCCESS = 0;
export const ERRNO_2BIG = 1;
export const ERRNO_ACCES = 2;
export const ERRNO_ADDRINUSE = 3;
export const ERRNO_ADDRNOTAVAIL = 4;
export const ERRNO_AFNOSUPPORT = 5;
export const ERRNO_AGAIN = 6;
export const ERRNO_ALREADY = 7;
export const ERRNO_BADF = 8;
export const ERRNO_BADMSG = 9;
export const ERRNO_BUSY = 10;
export const ERRNO_CANCELED = 11;
export const ERRNO_CHILD = 12;
export const ERRNO_CONNABORTED = 13;
export const ERRNO_CONNREFUSED = 14;
export const ERRNO_CONNRESET = 15;
export const ERRNO_DEADLK = 16;
export const ERRNO_DESTADDRREQ = 17;
export const ERRNO_DOM = 18;
export const ERRNO_DQUOT = 19;
export const ERRNO_EXIST = 20;
export const ERRNO_FAULT = 21;
export const ERRNO_FBIG = 22;
export const ERRNO_HOSTUNREACH = 23;
export const ERRNO_IDRM = 24;
export const ERRNO_ILSEQ = 25;
export const ERRNO_INPROGRESS = 26;
export const ERRNO_INTR = 27;
export const ERRNO_INVAL = 28;
export const ERRNO_IO = 29;
export const ERRNO_ISCONN = 30;
export const ERRNO_ISDIR = 31;
export const ERRNO_LOOP = 32;
export const ERRNO_MFILE = 33;
export const ERRNO_MLINK = 34;
export const ERRNO_MSGSIZE = 35;
export const ERRNO_MULTIHOP = 36;
export const ERRNO_NAMETOOLONG = 37;
export const ERRNO_NETDOWN = 38;
export const ERRNO_NETRESET = 39;
export const ERRNO_NETUNREACH = 40;
export const ERRNO_NFILE = 41;
export const ERRNO_NOBUFS = 42;
export const ERRNO_NODEV = 43;
export const ERRNO_NOENT = 44;
export const ERRNO_NOEXEC = 45;
export const ERRNO_NOLCK = 46;
export const ERRNO_NOLINK = 47;
export const ERRNO_NOMEM = 48;
export const ERRNO_NOMSG = 49;
export const ERRNO_NOPROTOOPT = 50;
export const ERRNO_NOSPC = 51;
export const ERRNO_NOSYS = 52;
export const ERRNO_NOTCONN = 53;
export const ERRNO_NOTDIR = 54;
export const ERRNO_NOTEMPTY = 55;
export const ERRNO_NOTRECOVERABLE = 56;
export const ERRNO_NOTSOCK = 57;
export const ERRNO_NOTSUP = 58;
export const ERRNO_NOTTY = 59;
export const ERRNO_NXIO = 60;
export const ERRNO_OVERFLOW = 61;
export const ERRNO_OWNERDEAD = 62;
export const ERRNO_PERM = 63;
export const ERRNO_PIPE = 64;
export const ERRNO_PROTO = 65;
export const ERRNO_PROTONOSUPPORT = 66;
export const ERRNO_PROTOTYPE = 67;
export const ERRNO_RANGE = 68;
export const ERRNO_ROFS = 69;
export const ERRNO_SPIPE = 70;
export const ERRNO_SRCH = 71;
export const ERRNO_STALE = 72;
export const ERRNO_TIMEDOUT = 73;
export const ERRNO_TXTBSY = 74;
export const ERRNO_XDEV = 75;
export const ERRNO_NOTCAPABLE = 76;

// Rights are u64 in the ABI; bigint so that bit 32+ could never be lost.
export const RIGHTS_FD_DATASYNC = 1n << 0n;
export const RIGHTS_FD_READ = 1n << 1n;
export const RIGHTS_FD_SEEK = 1n << 2n;
export const RIGHTS_FD_FDSTAT_SET_FLAGS = 1n << 3n;
export const RIGHTS_FD_SYNC = 1n << 4n;
export const RIGHTS_FD_TELL = 1n << 5n;
export const RIGHTS_FD_WRITE = 1n << 6n;
export const RIGHTS_FD_ADVISE = 1n << 7n;
export const RIGHTS_FD_ALLOCATE = 1n << 8n;
export const RIGHTS_PATH_CREATE_DIRECTORY = 1n << 9n;
export const RIGHTS_PATH_CREATE_FILE = 1n << 10n;
export const RIGHTS_PATH_LINK_SOURCE = 1n << 11n;
export const RIGHTS_PATH_LINK_TARGET = 1n << 12n;
export const RIGHTS_PATH_OPEN = 1n << 13n;
export const RIGHTS_FD_READDIR = 1n << 14n;
export const RIGHTS_PATH_READLINK = 1n << 15n;
export const RIGHTS_PATH_RENAME_SOURCE = 1n << 16n;
export const RIGHTS_PATH_RENAME_TARGET = 1n << 17n;
export const RIGHTS_PATH_FILESTAT_GET = 1n << 18n;
export const RIGHTS_PATH_FILESTAT_SET_SIZE = 1n << 19n;
export const RIGHTS_PATH_FILESTAT_SET_TIMES = 1n << 20n;
export const RIGHTS_FD_FILESTAT_GET = 1n << 21n;
export const RIGHTS_FD_FILESTAT_SET_SIZE = 1n << 22n;
export const RIGHTS_FD_FILESTAT_SET_TIMES = 1n << 23n;
export const RIGHTS_PATH_SYMLINK = 1n << 24n;
export const RIGHTS_PATH_REMOVE_DIRECTORY = 1n << 25n;
export const RIGHTS_PATH_UNLINK_FILE = 1n << 26n;
export const RIGHTS_POLL_FD_READWRITE = 1n << 27n;
export const RIGHTS_SOCK_SHUTDOWN = 1n << 28n;
export const RIGHTS_SOCK_ACCEPT = 1n << 29n;
/** Every right preview1 defines. */
export const RIGHTS_ALL = (1n << 30n) - 1n;

export const FILETYPE_UNKNOWN = 0;
export const FILETYPE_BLOCK_DEVICE = 1;
export const FILETYPE_CHARACTER_DEVICE = 2;
export const FILETYPE_DIRECTORY = 3;
export const FILETYPE_REGULAR_FILE = 4;
export const FILETYPE_SOCKET_DGRAM = 5;
export const FILETYPE_SOCKET_STREAM = 6;
export const FILETYPE_SYMBOLIC_LINK = 7;

export const FDFLAGS_APPEND = 1 << 0;
export const FDFLAGS_DSYNC = 1 << 1;
export const FDFLAGS_NONBLOCK = 1 << 2;
export const FDFLAGS_RSYNC = 1 << 3;
export const FDFLAGS_SYNC = 1 << 4;
export const FDFLAGS_ALL = FDFLAGS_APPEND | FDFLAGS_DSYNC | FDFLAGS_NONBLOCK | FDFLAGS_RSYNC | FDFLAGS_SYNC;

export const LOOKUPFLAGS_SYMLINK_FOLLOW = 1 << 0;

export const OFLAGS_CREAT = 1 << 0;
export const OFLAGS_DIRECTORY = 1 << 1;
export const OFLAGS_EXCL = 1 << 2;
export const OFLAGS_TRUNC = 1 << 3;

export const WHENCE_SET = 0;
export const WHENCE_CUR = 1;
export const WHENCE_END = 2;

export const FSTFLAGS_ATIM = 1 << 0;
export const FSTFLAGS_ATIM_NOW = 1 << 1;
export const FSTFLAGS_MTIM = 1 << 2;
export const FSTFLAGS_MTIM_NOW = 1 << 3;
export const FSTFLAGS_ALL = FSTFLAGS_ATIM | FSTFLAGS_ATIM_NOW | FSTFLAGS_MTIM | FSTFLAGS_MTIM_NOW;

export const EVENTTYPE_CLOCK = 0;
export const EVENTTYPE_FD_READ = 1;
export const EVENTTYPE_FD_WRITE = 2;

export const EVENTRWFLAGS_FD_READWRITE_HANGUP = 1 << 0;
export const SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME = 1 << 0;

export const RIFLAGS_RECV_PEEK = 1 << 0;
export const RIFLAGS_RECV_WAITALL = 1 << 1;
export const ROFLAGS_RECV_DATA_TRUNCATED = 1 << 0;

export const SDFLAGS_RD = 1 << 0;
export const SDFLAGS_WR = 1 << 1;

export const PREOPENTYPE_DIR = 0;

/** wasi-libc's IOV_MAX (as Linux's): the most iovecs one call may pass. */
export const IOV_MAX = 1024;

// WASIX epoll (module wasix_32v1).
export const EPOLL_CTL_ADD = 0;
export const EPOLL_CTL_MOD = 1;
export const EPOLL_CTL_DEL = 2;

export const EPOLLIN = 1 << 0;
export const EPOLLOUT = 1 << 1;
export const EPOLLRDHUP = 1 << 2;
export const EPOLLPRI = 1 << 3;
export const EPOLLERR = 1 << 4;
export const EPOLLHUP = 1 << 5;
export const EPOLLET = 1 << 6;
export const EPOLLONESHOT = 1 << 7;

// WASIX sockets (module wasix_32v1), from wasix-org/wasix-witx
// phases/snapshot/witx/typenames.witx (the enums) and wasix-org/wasix-libc
// libc-bottom-half/headers/public/wasi/api_wasix.h (their C values). Each is a
// u8 in memory except sock_proto (u16); as call arguments all are i32.

/** address_family (u8): the numbering after the 2023 renumbering (unspec 0, inet4 1, inet6 2, unix 3). */
export const ADDRESS_FAMILY_UNSPEC = 0;
export const ADDRESS_FAMILY_INET4 = 1;
export const ADDRESS_FAMILY_INET6 = 2;
export const ADDRESS_FAMILY_UNIX = 3;

/** sock_type (u8). */
export const SOCK_TYPE_SOCKET_UNUSED = 0;
export const SOCK_TYPE_SOCKET_STREAM = 1;
export const SOCK_TYPE_SOCKET_DGRAM = 2;
export const SOCK_TYPE_SOCKET_RAW = 3;
export const SOCK_TYPE_SOCKET_SEQPACKET = 4;

/** sock_proto (u16): IANA protocol numbers; 0 lets the socket type choose. */
export const SOCK_PROTO_IP = 0;
export const SOCK_PROTO_TCP = 6;
export const SOCK_PROTO_UDP = 17;

/** sock_status (u8), what sock_status answers. */
export const SOCK_STATUS_OPENING = 0;
export const SOCK_STATUS_OPENED = 1;
export const SOCK_STATUS_CLOSED = 2;
export const SOCK_STATUS_FAILED = 3;

/** sock_option (u8): the options of sock_{set,get}_opt_{flag,size,time}. */
export const SOCK_OPTION_NOOP = 0;
export const SOCK_OPTION_REUSE_PORT = 1;
export const SOCK_OPTION_REUSE_ADDR = 2;
export const SOCK_OPTION_NO_DELAY = 3;
export const SOCK_OPTION_DONT_ROUTE = 4;
export const SOCK_OPTION_ONLY_V6 = 5;
export const SOCK_OPTION_BROADCAST = 6;
export const SOCK_OPTION_MULTICAST_LOOP_V4 = 7;
export const SOCK_OPTION_MULTICAST_LOOP_V6 = 8;
export const SOCK_OPTION_PROMISCUOUS = 9;
export const SOCK_OPTION_LISTENING = 10;
export const SOCK_OPTION_LAST_ERROR = 11;
export const SOCK_OPTION_KEEP_ALIVE = 12;
export const SOCK_OPTION_LINGER = 13;
export const SOCK_OPTION_OOB_INLINE = 14;
export const SOCK_OPTION_RECV_BUF_SIZE = 15;
export const SOCK_OPTION_SEND_BUF_SIZE = 16;
export const SOCK_OPTION_RECV_LOWAT = 17;
export const SOCK_OPTION_SEND_LOWAT = 18;
export const SOCK_OPTION_RECV_TIMEOUT = 19;
export const SOCK_OPTION_SEND_TIMEOUT = 20;
export const SOCK_OPTION_CONNECT_TIMEOUT = 21;
export const SOCK_OPTION_ACCEPT_TIMEOUT = 22;
export const SOCK_OPTION_TTL = 23;
export const SOCK_OPTION_MULTICAST_TTL_V4 = 24;
export const SOCK_OPTION_TYPE = 25;
export const SOCK_OPTION_PROTO = 26;

/** bool (u8), as sock_get_opt_flag writes it. */
export const BOOL_FALSE = 0;
export const BOOL_TRUE = 1;

