// run(): a hostile module (hand-written WAT) calls every socket, poll and
// epoll import with pointers outside its memory, 0xFFFFFFFF lengths, huge
// iovec counts, bad fds and nonsense flags. Every call answers its exact
// errno, under both runtimes; nothing is sent, consumed or
// printed by a failed call; the host neither crashes nor hangs: the same
// module then makes valid poll, epoll and recv/send calls that work, and the
// process goes on serving echo.
//
// The module records each answer (a u32) in order and writes the whole array
// to stdout at the end; STEPS below is both the module's code and the
// expectations, so the two cannot drift apart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serve, TRANSPORTS } from '../ts/index.js';
import * as w from '../ts/wasi/index.js';
import { connect, echoOnce, readToEnd, withTimeout } from './helpers/echo-client.js';
import { assemble } from './helpers/wat.js';
import { moduleRunners } from './helpers/module-runners.js';

const PAGE = 65536;
/** The last 16 bytes of the 32-bit address space: far past the module's one page. */
const BAD = 0xfffffff0;
const HUGE = 0xffffffff;
const HUGE_COUNT = 0x7fffffff;
const NO_FD = 999;
const STDOUT = 1;
const LISTENER = 3;
const PAYLOAD = 'payload';

// The module's memory map (one page).
const OUT = 0; // u32 results of the calls (fd, nevents, bytes)
const OUT2 = 8; // sock_recv's ro_flags
const T0 = 16; // u64 monotonic times around the valid poll
const T1 = 24;
const IOV_HUGE = 64; // { buf 1024, len 0xFFFFFFFF }
const IOV_PAST_END = 72; // { buf 0xFFFFFFF0, len 16 }
const IOV_LEAK = 80; // { buf LEAK, len 4 }: bytes that must never reach a peer or stdout
const IOV_BUF = 88; // { buf BUF, len PAYLOAD.length }
const IOV_RESULTS = 96;
const SUB = 512; // two subscriptions
const EVT = 1024; // four events
const EPEV = 2048; // one epoll_event
const EPOUT = 2304; // four epoll_events
const LEAK = 3072;
const BUF = 3328;
const RESULTS = 0x8000;

type Expect = number | { readonly min: number; readonly max: number };
/** `wat` runs without being recorded; `call` is an i32 expression whose value is recorded and checked against `expect`. */
type Step = { wat: string } | { what: string; call: string; expect: Expect };

const CONN = '(global.get $conn)';
const EP = '(global.get $ep)';
const u32At = (ptr: number) => `(i32.load (i32.const ${ptr}))`;

const c = (v: number) => `(i32.const ${v})`;
const sub = (at: number, userdata: bigint, tag: number, fdOrClock: number, timeoutNs: bigint, flags: number) =>
  `(call $sub ${c(at)} (i64.const ${userdata}) ${c(tag)} ${c(fdOrClock)} (i64.const ${BigInt.asIntN(64, timeoutNs)}) ${c(flags)})`;
const poll = (inPtr: number, outPtr: number, n: number, nevents: number) => `(call $poll_oneoff ${c(inPtr)} ${c(outPtr)} ${c(n)} ${c(nevents)})`;
const epollWait = (ep: string, events: number, max: number, timeoutNs: bigint, ret: number) =>
  `(call $epoll_wait ${ep} ${c(events)} ${c(max)} (i64.const ${BigInt.asIntN(64, timeoutNs)}) ${c(ret)})`;
const evtError = (i: number) => `(i32.load16_u (i32.const ${EVT + i * w.EVENT_SIZE + 8}))`;

/** A subscription whose content is nonsense: the call succeeds with one event carrying `error`. */
function badSubscription(what: string, tag: number, fdOrClock: number, error: number): Step[] {
  return [
    { wat: sub(SUB, 7n, tag, fdOrClock, 0n, 0) },
    { what: `poll_oneoff: ${what}`, call: poll(SUB, EVT, 1, OUT), expect: 0 },
    { what: `poll_oneoff: ${what}: nevents`, call: u32At(OUT), expect: 1 },
    { what: `poll_oneoff: ${what}: event error`, call: evtError(0), expect: error },
  ];
}

const STEPS: Step[] = [
  { wat: `(call $iov ${c(IOV_HUGE)} ${c(1024)} ${c(HUGE)})` },
  { wat: `(call $iov ${c(IOV_PAST_END)} ${c(BAD)} ${c(16)})` },
  { wat: `(call $iov ${c(IOV_LEAK)} ${c(LEAK)} ${c(4)})` },
  { wat: `(call $iov ${c(IOV_BUF)} ${c(BUF)} ${c(PAYLOAD.length)})` },

  // Setup: wait for the test's client (blocking poll on the listener), accept it, make an epoll set.
  { wat: sub(SUB, 1n, w.EVENTTYPE_FD_READ, LISTENER, 0n, 0) },
  { what: 'setup: poll the listener', call: poll(SUB, EVT, 1, OUT), expect: 0 },
  { what: 'setup: listener event error', call: evtError(0), expect: 0 },
  { what: 'setup: sock_accept', call: `(call $sock_accept ${c(LISTENER)} ${c(0)} ${c(OUT)})`, expect: 0 },
  { wat: `(global.set $conn ${u32At(OUT)})` },
  { what: 'setup: the connection is fd 4', call: CONN, expect: 4 },
  { what: 'setup: epoll_create', call: `(call $epoll_create ${c(OUT)})`, expect: 0 },
  { wat: `(global.set $ep ${u32At(OUT)})` },
  { what: 'setup: the epoll set is fd 5', call: EP, expect: 5 },

  // sock_accept(fd, flags, ro_fd)
  { what: 'sock_accept(999)', call: `(call $sock_accept ${c(NO_FD)} ${c(0)} ${c(OUT)})`, expect: w.ERRNO_BADF },
  { what: 'sock_accept(-1)', call: `(call $sock_accept ${c(-1)} ${c(0)} ${c(OUT)})`, expect: w.ERRNO_BADF },
  { what: 'sock_accept(stdout)', call: `(call $sock_accept ${c(STDOUT)} ${c(0)} ${c(OUT)})`, expect: w.ERRNO_NOTSOCK },
  { what: 'sock_accept(epoll fd)', call: `(call $sock_accept ${EP} ${c(0)} ${c(OUT)})`, expect: w.ERRNO_NOTSOCK },
  { what: 'sock_accept(listener, flags 0xFF)', call: `(call $sock_accept ${c(LISTENER)} ${c(0xff)} ${c(OUT)})`, expect: w.ERRNO_INVAL },
  { what: 'sock_accept(listener, ro_fd BAD)', call: `(call $sock_accept ${c(LISTENER)} ${c(0)} ${c(BAD)})`, expect: w.ERRNO_FAULT },
  { what: 'sock_accept(listener, ro_fd = end of memory)', call: `(call $sock_accept ${c(LISTENER)} ${c(0)} ${c(PAGE)})`, expect: w.ERRNO_FAULT },
  { what: 'sock_accept(connection)', call: `(call $sock_accept ${CONN} ${c(0)} ${c(OUT)})`, expect: w.ERRNO_INVAL },
  // accept4's SOCK_NONBLOCK is the new socket's flag; the listener's own decides whether accept waits.
  { what: 'fd_fdstat_set_flags(listener, NONBLOCK)', call: `(call $fd_fdstat_set_flags ${c(LISTENER)} ${c(w.FDFLAGS_NONBLOCK)})`, expect: 0 },
  { what: 'sock_accept(nonblocking listener, nothing pending)', call: `(call $sock_accept ${c(LISTENER)} ${c(0)} ${c(OUT)})`, expect: w.ERRNO_AGAIN },

  // sock_recv(fd, ri_data, ri_data_len, ri_flags, ro_datalen, ro_flags)
  { what: 'sock_recv(999)', call: `(call $sock_recv ${c(NO_FD)} ${c(IOV_BUF)} ${c(1)} ${c(0)} ${c(OUT)} ${c(OUT2)})`, expect: w.ERRNO_BADF },
  { what: 'sock_recv(-1)', call: `(call $sock_recv ${c(-1)} ${c(IOV_BUF)} ${c(1)} ${c(0)} ${c(OUT)} ${c(OUT2)})`, expect: w.ERRNO_BADF },
  { what: 'sock_recv(stdout)', call: `(call $sock_recv ${c(STDOUT)} ${c(IOV_BUF)} ${c(1)} ${c(0)} ${c(OUT)} ${c(OUT2)})`, expect: w.ERRNO_NOTSOCK },
  { what: 'sock_recv(listener)', call: `(call $sock_recv ${c(LISTENER)} ${c(IOV_BUF)} ${c(1)} ${c(0)} ${c(OUT)} ${c(OUT2)})`, expect: w.ERRNO_NOTCONN },
  { what: 'sock_recv(flags 0xFFFF)', call: `(call $sock_recv ${CONN} ${c(IOV_BUF)} ${c(1)} ${c(0xffff)} ${c(OUT)} ${c(OUT2)})`, expect: w.ERRNO_INVAL },
  { what: 'sock_recv(iovs BAD)', call: `(call $sock_recv ${CONN} ${c(BAD)} ${c(1)} ${c(0)} ${c(OUT)} ${c(OUT2)})`, expect: w.ERRNO_FAULT },
  { what: 'sock_recv(iov len 0xFFFFFFFF)', call: `(call $sock_recv ${CONN} ${c(IOV_HUGE)} ${c(1)} ${c(0)} ${c(OUT)} ${c(OUT2)})`, expect: w.ERRNO_FAULT },
  { what: 'sock_recv(iov buf past the end)', call: `(call $sock_recv ${CONN} ${c(IOV_PAST_END)} ${c(1)} ${c(0)} ${c(OUT)} ${c(OUT2)})`, expect: w.ERRNO_FAULT },
  { what: 'sock_recv(0x7FFFFFFF iovecs)', call: `(call $sock_recv ${CONN} ${c(IOV_BUF)} ${c(HUGE_COUNT)} ${c(0)} ${c(OUT)} ${c(OUT2)})`, expect: w.ERRNO_INVAL },
  { what: 'sock_recv(ro_datalen BAD)', call: `(call $sock_recv ${CONN} ${c(IOV_BUF)} ${c(1)} ${c(0)} ${c(BAD)} ${c(OUT2)})`, expect: w.ERRNO_FAULT },
  { what: 'sock_recv(ro_flags 0xFFFFFFFF)', call: `(call $sock_recv ${CONN} ${c(IOV_BUF)} ${c(1)} ${c(0)} ${c(OUT)} ${c(HUGE)})`, expect: w.ERRNO_FAULT },

  // sock_send(fd, si_data, si_data_len, si_flags, so_datalen)
  { what: 'sock_send(999)', call: `(call $sock_send ${c(NO_FD)} ${c(IOV_LEAK)} ${c(1)} ${c(0)} ${c(OUT)})`, expect: w.ERRNO_BADF },
  { what: 'sock_send(stdout)', call: `(call $sock_send ${c(STDOUT)} ${c(IOV_LEAK)} ${c(1)} ${c(0)} ${c(OUT)})`, expect: w.ERRNO_NOTSOCK },
  { what: 'sock_send(listener)', call: `(call $sock_send ${c(LISTENER)} ${c(IOV_LEAK)} ${c(1)} ${c(0)} ${c(OUT)})`, expect: w.ERRNO_NOTCONN },
  { what: 'sock_send(flags 0xFFFF)', call: `(call $sock_send ${CONN} ${c(IOV_LEAK)} ${c(1)} ${c(0xffff)} ${c(OUT)})`, expect: w.ERRNO_INVAL },
  { what: 'sock_send(iovs BAD)', call: `(call $sock_send ${CONN} ${c(BAD)} ${c(1)} ${c(0)} ${c(OUT)})`, expect: w.ERRNO_FAULT },
  { what: 'sock_send(iov len 0xFFFFFFFF)', call: `(call $sock_send ${CONN} ${c(IOV_HUGE)} ${c(1)} ${c(0)} ${c(OUT)})`, expect: w.ERRNO_FAULT },
  { what: 'sock_send(iov buf past the end)', call: `(call $sock_send ${CONN} ${c(IOV_PAST_END)} ${c(1)} ${c(0)} ${c(OUT)})`, expect: w.ERRNO_FAULT },
  { what: 'sock_send(0x7FFFFFFF iovecs)', call: `(call $sock_send ${CONN} ${c(IOV_LEAK)} ${c(HUGE_COUNT)} ${c(0)} ${c(OUT)})`, expect: w.ERRNO_INVAL },
  { what: 'sock_send(so_datalen BAD)', call: `(call $sock_send ${CONN} ${c(IOV_LEAK)} ${c(1)} ${c(0)} ${c(BAD)})`, expect: w.ERRNO_FAULT },

  // sock_shutdown(fd, how)
  { what: 'sock_shutdown(999)', call: `(call $sock_shutdown ${c(NO_FD)} ${c(w.SDFLAGS_WR)})`, expect: w.ERRNO_BADF },
  { what: 'sock_shutdown(-1)', call: `(call $sock_shutdown ${c(-1)} ${c(w.SDFLAGS_WR)})`, expect: w.ERRNO_BADF },
  { what: 'sock_shutdown(stdout)', call: `(call $sock_shutdown ${c(STDOUT)} ${c(w.SDFLAGS_WR)})`, expect: w.ERRNO_NOTSOCK },
  { what: 'sock_shutdown(listener)', call: `(call $sock_shutdown ${c(LISTENER)} ${c(w.SDFLAGS_WR)})`, expect: w.ERRNO_NOTCONN },
  { what: 'sock_shutdown(how 0)', call: `(call $sock_shutdown ${CONN} ${c(0)})`, expect: w.ERRNO_INVAL },
  { what: 'sock_shutdown(how 0xFF)', call: `(call $sock_shutdown ${CONN} ${c(0xff)})`, expect: w.ERRNO_INVAL },

  // fd_read(fd, iovs, iovs_len, nread)
  { what: 'fd_read(999)', call: `(call $fd_read ${c(NO_FD)} ${c(IOV_BUF)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_BADF },
  { what: 'fd_read(-1)', call: `(call $fd_read ${c(-1)} ${c(IOV_BUF)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_BADF },
  { what: 'fd_read(listener)', call: `(call $fd_read ${c(LISTENER)} ${c(IOV_BUF)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_NOTCONN },
  { what: 'fd_read(epoll fd)', call: `(call $fd_read ${EP} ${c(IOV_BUF)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_INVAL },
  { what: 'fd_read(iovs BAD)', call: `(call $fd_read ${CONN} ${c(BAD)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_FAULT },
  { what: 'fd_read(iov len 0xFFFFFFFF)', call: `(call $fd_read ${CONN} ${c(IOV_HUGE)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_FAULT },
  { what: 'fd_read(0x7FFFFFFF iovecs)', call: `(call $fd_read ${CONN} ${c(IOV_BUF)} ${c(HUGE_COUNT)} ${c(OUT)})`, expect: w.ERRNO_INVAL },
  { what: 'fd_read(nread BAD)', call: `(call $fd_read ${CONN} ${c(IOV_BUF)} ${c(1)} ${c(BAD)})`, expect: w.ERRNO_FAULT },
  // Runtime fds: the runtime answers, after the host's checks.
  { what: 'fd_read(stdout, iovs BAD)', call: `(call $fd_read ${c(STDOUT)} ${c(BAD)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_FAULT },
  { what: 'fd_read(stdout, iov len 0xFFFFFFFF)', call: `(call $fd_read ${c(STDOUT)} ${c(IOV_HUGE)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_FAULT },
  { what: 'fd_read(stdout, 0x7FFFFFFF iovecs)', call: `(call $fd_read ${c(STDOUT)} ${c(IOV_BUF)} ${c(HUGE_COUNT)} ${c(OUT)})`, expect: w.ERRNO_INVAL },

  // fd_write(fd, iovs, iovs_len, nwritten)
  { what: 'fd_write(999)', call: `(call $fd_write ${c(NO_FD)} ${c(IOV_LEAK)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_BADF },
  { what: 'fd_write(-1)', call: `(call $fd_write ${c(-1)} ${c(IOV_LEAK)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_BADF },
  { what: 'fd_write(listener)', call: `(call $fd_write ${c(LISTENER)} ${c(IOV_LEAK)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_NOTCONN },
  { what: 'fd_write(epoll fd)', call: `(call $fd_write ${EP} ${c(IOV_LEAK)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_INVAL },
  { what: 'fd_write(iovs BAD)', call: `(call $fd_write ${CONN} ${c(BAD)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_FAULT },
  { what: 'fd_write(iov len 0xFFFFFFFF)', call: `(call $fd_write ${CONN} ${c(IOV_HUGE)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_FAULT },
  { what: 'fd_write(0x7FFFFFFF iovecs)', call: `(call $fd_write ${CONN} ${c(IOV_LEAK)} ${c(HUGE_COUNT)} ${c(OUT)})`, expect: w.ERRNO_INVAL },
  { what: 'fd_write(nwritten BAD)', call: `(call $fd_write ${CONN} ${c(IOV_LEAK)} ${c(1)} ${c(BAD)})`, expect: w.ERRNO_FAULT },
  { what: 'fd_write(stdout, iovs BAD)', call: `(call $fd_write ${c(STDOUT)} ${c(BAD)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_FAULT },
  { what: 'fd_write(stdout, iov len 0xFFFFFFFF)', call: `(call $fd_write ${c(STDOUT)} ${c(IOV_HUGE)} ${c(1)} ${c(OUT)})`, expect: w.ERRNO_FAULT },
  { what: 'fd_write(stdout, 0x7FFFFFFF iovecs)', call: `(call $fd_write ${c(STDOUT)} ${c(IOV_LEAK)} ${c(HUGE_COUNT)} ${c(OUT)})`, expect: w.ERRNO_INVAL },
  { what: 'fd_write(stdout, nwritten BAD)', call: `(call $fd_write ${c(STDOUT)} ${c(IOV_LEAK)} ${c(1)} ${c(BAD)})`, expect: w.ERRNO_FAULT },

  // fd_close(fd): a second epoll set (fd 6) closed twice.
  { what: 'fd_close(999)', call: `(call $fd_close ${c(NO_FD)})`, expect: w.ERRNO_BADF },
  { what: 'fd_close(-1)', call: `(call $fd_close ${c(-1)})`, expect: w.ERRNO_BADF },
  { what: 'fd_close(0x7FFFFFFF)', call: `(call $fd_close ${c(HUGE_COUNT)})`, expect: w.ERRNO_BADF },
  { what: 'epoll_create (a second set)', call: `(call $epoll_create ${c(OUT)})`, expect: 0 },
  { what: 'fd_close(second set)', call: `(call $fd_close ${u32At(OUT)})`, expect: 0 },
  { what: 'fd_close(second set) again', call: `(call $fd_close ${u32At(OUT)})`, expect: w.ERRNO_BADF },

  // fd_fdstat_get(fd, stat): 24 bytes.
  { what: 'fd_fdstat_get(999)', call: `(call $fd_fdstat_get ${c(NO_FD)} ${c(OUT)})`, expect: w.ERRNO_BADF },
  { what: 'fd_fdstat_get(-1)', call: `(call $fd_fdstat_get ${c(-1)} ${c(OUT)})`, expect: w.ERRNO_BADF },
  { what: 'fd_fdstat_get(listener, BAD)', call: `(call $fd_fdstat_get ${c(LISTENER)} ${c(BAD)})`, expect: w.ERRNO_FAULT },
  { what: 'fd_fdstat_get(listener, 8 bytes before the end)', call: `(call $fd_fdstat_get ${c(LISTENER)} ${c(PAGE - 8)})`, expect: w.ERRNO_FAULT },
  { what: 'fd_fdstat_get(connection, 0xFFFFFFFF)', call: `(call $fd_fdstat_get ${CONN} ${c(HUGE)})`, expect: w.ERRNO_FAULT },
  { what: 'fd_fdstat_get(epoll fd, BAD)', call: `(call $fd_fdstat_get ${EP} ${c(BAD)})`, expect: w.ERRNO_FAULT },
  { what: 'fd_fdstat_get(stdout, BAD)', call: `(call $fd_fdstat_get ${c(STDOUT)} ${c(BAD)})`, expect: w.ERRNO_FAULT },

  // fd_fdstat_set_flags(fd, flags)
  { what: 'fd_fdstat_set_flags(999)', call: `(call $fd_fdstat_set_flags ${c(NO_FD)} ${c(w.FDFLAGS_NONBLOCK)})`, expect: w.ERRNO_BADF },
  { what: 'fd_fdstat_set_flags(-1)', call: `(call $fd_fdstat_set_flags ${c(-1)} ${c(w.FDFLAGS_NONBLOCK)})`, expect: w.ERRNO_BADF },
  { what: 'fd_fdstat_set_flags(listener, 0xFFFF)', call: `(call $fd_fdstat_set_flags ${c(LISTENER)} ${c(0xffff)})`, expect: w.ERRNO_INVAL },
  { what: 'fd_fdstat_set_flags(connection, 0x8000)', call: `(call $fd_fdstat_set_flags ${CONN} ${c(0x8000)})`, expect: w.ERRNO_INVAL },
  { what: 'fd_fdstat_set_flags(epoll fd, 0xFFFFFFFF)', call: `(call $fd_fdstat_set_flags ${EP} ${c(HUGE)})`, expect: w.ERRNO_INVAL },
  { what: 'fd_fdstat_set_flags(stdout, 0xFFE0)', call: `(call $fd_fdstat_set_flags ${c(STDOUT)} ${c(0xffe0)})`, expect: w.ERRNO_INVAL },
  // The host process's own stdout must not turn nonblocking under Node.
  { what: 'fd_fdstat_set_flags(stdout, NONBLOCK)', call: `(call $fd_fdstat_set_flags ${c(STDOUT)} ${c(w.FDFLAGS_NONBLOCK)})`, expect: w.ERRNO_NOTSUP },

  // fd_prestat_get(fd, buf): no preopens, so every fd ends the scan.
  { what: 'fd_prestat_get(999)', call: `(call $fd_prestat_get ${c(NO_FD)} ${c(OUT)})`, expect: w.ERRNO_BADF },
  { what: 'fd_prestat_get(-1)', call: `(call $fd_prestat_get ${c(-1)} ${c(OUT)})`, expect: w.ERRNO_BADF },
  { what: 'fd_prestat_get(listener, BAD)', call: `(call $fd_prestat_get ${c(LISTENER)} ${c(BAD)})`, expect: w.ERRNO_BADF },
  { what: 'fd_prestat_get(stdout, BAD)', call: `(call $fd_prestat_get ${c(STDOUT)} ${c(BAD)})`, expect: w.ERRNO_BADF },
  { what: 'fd_prestat_get(connection)', call: `(call $fd_prestat_get ${CONN} ${c(OUT)})`, expect: w.ERRNO_BADF },

  // poll_oneoff(in, out, nsubscriptions, nevents)
  { wat: sub(SUB, 1n, w.EVENTTYPE_FD_READ, LISTENER, 0n, 0) },
  { what: 'poll_oneoff(nsubscriptions 0)', call: poll(SUB, EVT, 0, OUT), expect: w.ERRNO_INVAL },
  { what: 'poll_oneoff(nsubscriptions 0xFFFFFFFF)', call: poll(SUB, EVT, HUGE, OUT), expect: w.ERRNO_INVAL },
  { what: 'poll_oneoff(nsubscriptions 0x7FFFFFFF)', call: poll(SUB, EVT, HUGE_COUNT, OUT), expect: w.ERRNO_INVAL },
  { what: 'poll_oneoff(nsubscriptions at the limit, past memory)', call: poll(0, EVT, 1 << 20, OUT), expect: w.ERRNO_FAULT },
  { what: 'poll_oneoff(in BAD)', call: poll(BAD, EVT, 1, OUT), expect: w.ERRNO_FAULT },
  { what: 'poll_oneoff(second subscription past the end)', call: poll(PAGE - w.SUBSCRIPTION_SIZE, EVT, 2, OUT), expect: w.ERRNO_FAULT },
  { what: 'poll_oneoff(out BAD)', call: poll(SUB, BAD, 1, OUT), expect: w.ERRNO_FAULT },
  { what: 'poll_oneoff(nevents 0xFFFFFFFF)', call: poll(SUB, EVT, 1, HUGE), expect: w.ERRNO_FAULT },
  ...badSubscription('tag 7', 7, LISTENER, w.ERRNO_INVAL),
  ...badSubscription('FD_READ on fd 999', w.EVENTTYPE_FD_READ, NO_FD, w.ERRNO_BADF),
  ...badSubscription('FD_WRITE on fd -1', w.EVENTTYPE_FD_WRITE, -1, w.ERRNO_BADF),
  ...badSubscription('clock id 99', w.EVENTTYPE_CLOCK, 99, w.ERRNO_INVAL),
  // A clock that never fires next to a bad fd: answers at once with the bad fd's event.
  { wat: sub(SUB, 1n, w.EVENTTYPE_CLOCK, w.CLOCKID_MONOTONIC, 0xffffffffffffffffn, 0) },
  { wat: sub(SUB + w.SUBSCRIPTION_SIZE, 2n, w.EVENTTYPE_FD_READ, NO_FD, 0n, 0) },
  { what: 'poll_oneoff(endless clock + fd 999)', call: poll(SUB, EVT, 2, OUT), expect: 0 },
  { what: 'poll_oneoff(endless clock + fd 999): nevents', call: u32At(OUT), expect: 1 },
  { what: 'poll_oneoff(endless clock + fd 999): event error', call: evtError(0), expect: w.ERRNO_BADF },

  // epoll_create(ret_fd), epoll_ctl(epfd, op, fd, event), epoll_wait(epfd, events, maxevents, timeout_ns, ret_n)
  { wat: `(i32.store (i32.const ${EPEV}) (i32.const ${w.EPOLLIN}))` },
  { what: 'epoll_create(BAD)', call: `(call $epoll_create ${c(BAD)})`, expect: w.ERRNO_FAULT },
  { what: 'epoll_create(end of memory)', call: `(call $epoll_create ${c(PAGE - 2)})`, expect: w.ERRNO_FAULT },
  { what: 'epoll_ctl(epfd 999)', call: `(call $epoll_ctl ${c(NO_FD)} ${c(w.EPOLL_CTL_ADD)} ${c(LISTENER)} ${c(EPEV)})`, expect: w.ERRNO_BADF },
  { what: 'epoll_ctl(epfd -1)', call: `(call $epoll_ctl ${c(-1)} ${c(w.EPOLL_CTL_ADD)} ${c(LISTENER)} ${c(EPEV)})`, expect: w.ERRNO_BADF },
  { what: 'epoll_ctl(fd 999)', call: `(call $epoll_ctl ${EP} ${c(w.EPOLL_CTL_ADD)} ${c(NO_FD)} ${c(EPEV)})`, expect: w.ERRNO_BADF },
  { what: 'epoll_ctl(epfd = listener)', call: `(call $epoll_ctl ${c(LISTENER)} ${c(w.EPOLL_CTL_ADD)} ${CONN} ${c(EPEV)})`, expect: w.ERRNO_INVAL },
  { what: 'epoll_ctl(the set into itself)', call: `(call $epoll_ctl ${EP} ${c(w.EPOLL_CTL_ADD)} ${EP} ${c(EPEV)})`, expect: w.ERRNO_INVAL },
  { what: 'epoll_ctl(op 99)', call: `(call $epoll_ctl ${EP} ${c(99)} ${c(LISTENER)} ${c(EPEV)})`, expect: w.ERRNO_INVAL },
  { what: 'epoll_ctl(op -1)', call: `(call $epoll_ctl ${EP} ${c(-1)} ${c(LISTENER)} ${c(EPEV)})`, expect: w.ERRNO_INVAL },
  { what: 'epoll_ctl(ADD stdout)', call: `(call $epoll_ctl ${EP} ${c(w.EPOLL_CTL_ADD)} ${c(STDOUT)} ${c(EPEV)})`, expect: w.ERRNO_NOTSUP },
  { what: 'epoll_ctl(ADD, event BAD)', call: `(call $epoll_ctl ${EP} ${c(w.EPOLL_CTL_ADD)} ${c(LISTENER)} ${c(BAD)})`, expect: w.ERRNO_FAULT },
  { what: 'epoll_ctl(ADD, event 8 bytes before the end)', call: `(call $epoll_ctl ${EP} ${c(w.EPOLL_CTL_ADD)} ${c(LISTENER)} ${c(PAGE - 8)})`, expect: w.ERRNO_FAULT },
  { what: 'epoll_ctl(MOD, not registered)', call: `(call $epoll_ctl ${EP} ${c(w.EPOLL_CTL_MOD)} ${c(LISTENER)} ${c(EPEV)})`, expect: w.ERRNO_NOENT },
  { what: 'epoll_ctl(DEL, not registered)', call: `(call $epoll_ctl ${EP} ${c(w.EPOLL_CTL_DEL)} ${c(LISTENER)} ${c(BAD)})`, expect: w.ERRNO_NOENT },
  { what: 'epoll_wait(999)', call: epollWait(c(NO_FD), EPOUT, 4, 0n, OUT), expect: w.ERRNO_BADF },
  { what: 'epoll_wait(-1)', call: epollWait(c(-1), EPOUT, 4, 0n, OUT), expect: w.ERRNO_BADF },
  { what: 'epoll_wait(listener)', call: epollWait(c(LISTENER), EPOUT, 4, -1n, OUT), expect: w.ERRNO_INVAL },
  { what: 'epoll_wait(maxevents 0)', call: epollWait(EP, EPOUT, 0, -1n, OUT), expect: w.ERRNO_INVAL },
  { what: 'epoll_wait(maxevents -1)', call: epollWait(EP, EPOUT, -1, -1n, OUT), expect: w.ERRNO_INVAL },
  { what: 'epoll_wait(maxevents 0x7FFFFFFF)', call: epollWait(EP, EPOUT, HUGE_COUNT, -1n, OUT), expect: w.ERRNO_FAULT },
  { what: 'epoll_wait(events BAD)', call: epollWait(EP, BAD, 1, -1n, OUT), expect: w.ERRNO_FAULT },
  { what: 'epoll_wait(ret_n BAD)', call: epollWait(EP, EPOUT, 1, -1n, BAD), expect: w.ERRNO_FAULT },

  // The host still works: a 20 ms relative clock...
  { what: 'clock_time_get before', call: `(call $clock_time_get ${c(w.CLOCKID_MONOTONIC)} (i64.const 0) ${c(T0)})`, expect: 0 },
  { wat: sub(SUB, 0x600df00dn, w.EVENTTYPE_CLOCK, w.CLOCKID_MONOTONIC, 20_000_000n, 0) },
  { what: 'valid poll_oneoff: 20 ms clock', call: poll(SUB, EVT, 1, OUT), expect: 0 },
  { what: 'valid poll_oneoff: nevents', call: u32At(OUT), expect: 1 },
  { what: 'valid poll_oneoff: userdata', call: u32At(EVT), expect: 0x600df00d },
  { what: 'valid poll_oneoff: event error', call: evtError(0), expect: 0 },
  { what: 'valid poll_oneoff: event type', call: `(i32.load8_u (i32.const ${EVT + 10}))`, expect: w.EVENTTYPE_CLOCK },
  { what: 'clock_time_get after', call: `(call $clock_time_get ${c(w.CLOCKID_MONOTONIC)} (i64.const 0) ${c(T1)})`, expect: 0 },
  {
    what: 'valid poll_oneoff: ms waited',
    call: `(i32.wrap_i64 (i64.div_u (i64.sub (i64.load (i32.const ${T1})) (i64.load (i32.const ${T0}))) (i64.const 1000000)))`,
    expect: { min: 20, max: 5000 },
  },
  // ...epoll sees the client's bytes...
  { what: 'valid epoll_ctl(ADD connection, IN)', call: `(call $epoll_ctl ${EP} ${c(w.EPOLL_CTL_ADD)} ${CONN} ${c(EPEV)})`, expect: 0 },
  { what: 'valid epoll_wait (1 s)', call: epollWait(EP, EPOUT, 4, 1_000_000_000n, OUT), expect: 0 },
  { what: 'valid epoll_wait: n', call: u32At(OUT), expect: 1 },
  { what: 'valid epoll_wait: EPOLLIN', call: `(i32.and ${u32At(EPOUT)} (i32.const ${w.EPOLLIN}))`, expect: w.EPOLLIN },
  // ...and none of them was consumed by a failed call: all come back, and nothing else.
  { what: 'valid sock_recv(WAITALL)', call: `(call $sock_recv ${CONN} ${c(IOV_BUF)} ${c(1)} ${c(w.RIFLAGS_RECV_WAITALL)} ${c(OUT)} ${c(OUT2)})`, expect: 0 },
  { what: 'valid sock_recv: bytes', call: u32At(OUT), expect: PAYLOAD.length },
  { what: 'valid sock_send', call: `(call $sock_send ${CONN} ${c(IOV_BUF)} ${c(1)} ${c(0)} ${c(OUT)})`, expect: 0 },
  { what: 'valid sock_send: bytes', call: u32At(OUT), expect: PAYLOAD.length },
];

const RECORDED = STEPS.filter((s): s is Extract<Step, { what: string }> => 'what' in s);

const P = '"wasi_snapshot_preview1"';
const WAT = `(module
  (import ${P} "sock_accept" (func $sock_accept (param i32 i32 i32) (result i32)))
  (import ${P} "sock_recv" (func $sock_recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import ${P} "sock_send" (func $sock_send (param i32 i32 i32 i32 i32) (result i32)))
  (import ${P} "sock_shutdown" (func $sock_shutdown (param i32 i32) (result i32)))
  (import ${P} "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import ${P} "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import ${P} "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import ${P} "fd_close" (func $fd_close (param i32) (result i32)))
  (import ${P} "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
  (import ${P} "fd_fdstat_set_flags" (func $fd_fdstat_set_flags (param i32 i32) (result i32)))
  (import ${P} "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import ${P} "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import ${P} "proc_exit" (func $proc_exit (param i32)))
  (import "wasix_32v1" "epoll_create" (func $epoll_create (param i32) (result i32)))
  (import "wasix_32v1" "epoll_ctl" (func $epoll_ctl (param i32 i32 i32 i32) (result i32)))
  (import "wasix_32v1" "epoll_wait" (func $epoll_wait (param i32 i32 i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const ${LEAK}) "LEAK")
  (global $conn (mut i32) (i32.const -1))
  (global $ep (mut i32) (i32.const -1))
  (global $n (mut i32) (i32.const 0))
  (func $record (param $v i32)
    (i32.store (i32.add (i32.const ${RESULTS}) (i32.shl (global.get $n) (i32.const 2))) (local.get $v))
    (global.set $n (i32.add (global.get $n) (i32.const 1))))
  (func $iov (param $at i32) (param $buf i32) (param $len i32)
    (i32.store (local.get $at) (local.get $buf))
    (i32.store offset=4 (local.get $at) (local.get $len)))
  (func $sub (param $at i32) (param $userdata i64) (param $tag i32) (param $fd_or_clock i32) (param $timeout i64) (param $flags i32)
    (i64.store offset=0 (local.get $at) (local.get $userdata))
    (i64.store offset=8 (local.get $at) (i64.extend_i32_u (local.get $tag)))
    (i64.store offset=16 (local.get $at) (i64.extend_i32_u (local.get $fd_or_clock)))
    (i64.store offset=24 (local.get $at) (local.get $timeout))
    (i64.store offset=32 (local.get $at) (i64.const 0))
    (i64.store offset=40 (local.get $at) (i64.extend_i32_u (local.get $flags))))
  (func (export "_start")
    ${STEPS.map((s) => ('wat' in s ? s.wat : `(call $record ${s.call})`)).join('\n    ')}
    (call $iov (i32.const ${IOV_RESULTS}) (i32.const ${RESULTS}) (i32.shl (global.get $n) (i32.const 2)))
    (drop (call $fd_write (i32.const ${STDOUT}) (i32.const ${IOV_RESULTS}) (i32.const 1) (i32.const ${OUT})))
    (call $proc_exit (i32.const 0))))`;

const hostile = await assemble(WAT);

function meets(value: number, expect: Expect): boolean {
  return typeof expect === 'number' ? value === expect : value >= expect.min && value <= expect.max;
}

const show = (expect: Expect) => (typeof expect === 'number' ? String(expect) : `${expect.min}..${expect.max}`);

for (const runner of moduleRunners()) {
  test(`${runner.name}: every hostile import call answers its errno; valid calls then work`, async () => {
    // A call that blocks forever is stopped (and the expectations then fail).
    const running = runner.start(hostile, { name: 'hostile.wasm', listen: true, stopAfterMs: 10_000 });
    const client = await connect((await running.address).port);
    const echoed = readToEnd(client, 15_000).finally(() => client.destroy());
    client.write(PAYLOAD);
    assert.is(await withTimeout('the hostile module to exit', 15_000, running.exit), 0, 'exit code');
    const stdout = running.stdoutBytes();
    assert.is(stdout.length, RECORDED.length * 4, `stdout holds exactly ${RECORDED.length} answers, nothing else`);
    const failures: string[] = [];
    RECORDED.forEach((step, i) => {
      const value = stdout.readUInt32LE(i * 4);
      if (!meets(value, step.expect)) failures.push(`${step.what}: got ${value}, expected ${show(step.expect)}`);
    });
    assert.equal(failures, [], failures.join('\n'));
    assert.is((await echoed).toString(), PAYLOAD, 'the client got its bytes back, and nothing a failed call held');
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    // A host-side bug answers EIO and is reported as a WasiEvloopHostError warning: none may occur.
    assert.equal(running.hostErrors(), [], 'no host-side errors');
  });
}

// Once, after all of them, on each transport.
for (const transport of TRANSPORTS) {
  test(`the process still serves echo after the hostile modules (${transport})`, async () => {
    const server = await serve({ port: 0, transport, stderr: 'ignore' });
    try {
      const data = Buffer.from('still alive');
      assert.ok((await echoOnce(server.address.port, data)).equals(data));
    } finally {
      await server.close();
    }
  });
}

test.run();
