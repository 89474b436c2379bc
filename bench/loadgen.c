/*
 * loadgen.c - the benchmark's load generator for TCP echo servers (RFC 862)
 * and for HTTP/1.1 keep-alive servers.
 *
 * One thread, one epoll set, nonblocking sockets, so one core of client can
 * drive a server running on another core without becoming the bottleneck.
 * Loopback only: the target must be 127.0.0.0/8 or ::1.
 *
 *   rr      N connections, each sends an S-byte request and waits for the whole
 *           echo before the next (closed loop): requests/s, latency percentiles.
 *   stream  N connections, each keeps S-byte messages flowing (at most --window
 *           bytes unechoed per connection): echoed MB/s (1 MB = 1e6 bytes).
 *   scale   opens I idle connections first and pings each once, then runs rr
 *           on N active ones, then pings every idle connection again; reports
 *           the active req/s and how many idle connections still answer.
 *   setup   opens N connections and pings each once: the seconds from the
 *           first connect to the last echo (what a server pays per new
 *           connection: accept, registration, first read and write).
 *   http    N keep-alive connections, each sends a GET and waits for the whole
 *           response before the next (closed loop): requests/s, latency. With
 *           --idle, as scale: idle connections (each answered once before and
 *           after) are held while the active ones run; --conns 0 holds only
 *           the idle ones, for the server's CPU with nothing to do.
 *
 * Every byte echoed back is compared with what was sent: each connection
 * sends a deterministic pseudo-random stream, so a lost, duplicated, reordered
 * or foreign byte is caught at once, in every mode. memcmp against a
 * precomputed pattern costs far less than the syscalls around it. In http
 * mode every response must be --expect byte for byte, and nothing may
 * arrive that was not asked for (a second response to one request).
 *
 * Only work completing inside the measurement window [warmup, warmup+duration]
 * counts. --server-pid samples that process's CPU time (all threads, user and
 * system apart) over the same window from /proc/PID/stat, and each thread's
 * from /proc/PID/task/TID/stat.
 *
 * Output: one JSON object on one line on stdout. Exit 0 when every check
 * passed, 1 when the run finished but a check failed (the JSON says which),
 * 2 on a usage or setup error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---------- options ---------- */

enum mode { MODE_RR, MODE_STREAM, MODE_SCALE, MODE_SETUP, MODE_HTTP };
static const char *const mode_names[] = { "rr", "stream", "scale", "setup", "http" };

static struct {
    const char *host;
    int port;
    enum mode mode;
    int conns;
    size_t size;
    size_t window;
    int idle;
    double warmup_s, duration_s;
    double connect_budget_s, ping_budget_s;
    int server_pid;
    const char *expect;      /* http: the response to every request, exactly */
    size_t expect_len;
} opt = {
    .host = "127.0.0.1", .port = 0, .mode = MODE_RR, .conns = 50, .size = 64,
    .window = 0, .idle = 0, .warmup_s = 1, .duration_s = 5,
    .connect_budget_s = 30, .ping_budget_s = 15, .server_pid = 0,
};

__attribute__((noreturn, format(printf, 1, 2))) static void usage_exit(const char *fmt, ...);

/* ---------- time ---------- */

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t self_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* How long this (single-threaded) load generator was runnable but waiting
 * for a CPU (schedstat's run_delay), in ns, or -1 without schedstats: a
 * window with no answers while it waited was the client not running. */
static long long self_run_delay_ns(void) {
    FILE *f = fopen("/proc/self/schedstat", "r");
    if (!f) return -1;
    unsigned long long on_cpu, waited;
    int got = fscanf(f, "%llu %llu", &on_cpu, &waited);
    fclose(f);
    return got == 2 ? (long long)waited : -1;
}

struct cpu_ticks { long long user, sys; };

/* utime and stime (clock ticks) from a /proc .../stat file, and the command
 * name into comm (when given); { -1, -1 } when it cannot be read. */
static struct cpu_ticks stat_ticks(const char *path, char *comm, size_t commlen) {
    struct cpu_ticks t = { -1, -1 };
    char buf[2048];
    FILE *f = fopen(path, "r");
    if (!f) return t;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* comm (field 2) may contain spaces and parentheses: fields resume after the last ')'. */
    char *open = strchr(buf, '('), *p = strrchr(buf, ')');
    if (!open || !p) return t;
    if (comm) snprintf(comm, commlen, "%.*s", (int)(p - open - 1), open + 1);
    unsigned long long utime, stime;
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return t;
    t.user = (long long)utime;
    t.sys = (long long)stime;
    return t;
}

/* The whole server's CPU (every thread, ended ones included). */
static struct cpu_ticks server_cpu_ticks(void) {
    struct cpu_ticks none = { -1, -1 };
    if (opt.server_pid <= 0) return none;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", opt.server_pid);
    return stat_ticks(path, NULL, 0);
}

/* Each server thread's CPU at the window's edges: which thread does the work
 * (a wasm server's module thread, its main thread, V8's helpers). */
enum { MAX_THREADS = 64 };
struct thread_cpu { int tid; char comm[32]; struct cpu_ticks start, end; };
static struct thread_cpu threads[MAX_THREADS];
static int nthreads;

/* The server's threads (/proc/PID/task), or NULL without --server-pid or once it is gone. */
static DIR *server_tasks(void) {
    if (opt.server_pid <= 0) return NULL;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", opt.server_pid);
    return opendir(path);
}

static void sample_threads(int at_end) {
    DIR *dir = server_tasks();
    if (!dir) return;
    char path[96];
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        int tid = atoi(entry->d_name);
        char comm[32];
        snprintf(path, sizeof path, "/proc/%d/task/%d/stat", opt.server_pid, tid);
        struct cpu_ticks t = stat_ticks(path, comm, sizeof comm);
        if (t.user < 0) continue; /* the thread ended between readdir and fopen */
        int i = 0;
        while (i < nthreads && threads[i].tid != tid) i++;
        if (i == nthreads) {
            if (nthreads == MAX_THREADS) continue;
            nthreads++;
            threads[i].tid = tid;
            /* Started inside the window: it had used nothing at its start. */
            threads[i].start = (struct cpu_ticks){ 0, 0 };
            threads[i].end = (struct cpu_ticks){ -1, -1 };
        }
        snprintf(threads[i].comm, sizeof threads[i].comm, "%s", comm);
        if (at_end) threads[i].end = t;
        else threads[i].start = t;
    }
    closedir(dir);
}

/* Context switches summed over every thread of the server (voluntary ones are
 * sleeps that ended in a wake-up), or -1 each when they cannot be read; and
 * the time its threads spent runnable but waiting for a CPU (schedstat's
 * run_delay: a server descheduled by the machine's load, not one asleep).
 * /proc/PID/status alone would count the main thread only. */
struct switches { long long voluntary, involuntary, run_delay_ns; };

static struct switches server_switches(void) {
    struct switches total = { -1, -1, -1 };
    DIR *dir = server_tasks();
    if (!dir) return total;
    char path[96];
    total.voluntary = total.involuntary = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "/proc/%d/task/%.16s/schedstat", opt.server_pid, entry->d_name);
        FILE *f = fopen(path, "r");
        unsigned long long on_cpu, waited;
        /* Absent without CONFIG_SCHED_INFO: then run_delay_ns stays -1. */
        if (f) {
            if (fscanf(f, "%llu %llu", &on_cpu, &waited) == 2)
                total.run_delay_ns = (total.run_delay_ns < 0 ? 0 : total.run_delay_ns) + (long long)waited;
            fclose(f);
        }
        snprintf(path, sizeof path, "/proc/%d/task/%.16s/status", opt.server_pid, entry->d_name);
        f = fopen(path, "r");
        if (!f) continue; /* the thread ended between readdir and fopen */
        char line[256];
        long long v;
        while (fgets(line, sizeof line, f)) {
            if (sscanf(line, "voluntary_ctxt_switches: %lld", &v) == 1) total.voluntary += v;
            else if (sscanf(line, "nonvoluntary_ctxt_switches: %lld", &v) == 1) total.involuntary += v;
        }
        fclose(f);
    }
    closedir(dir);
    return total;
}

/* A counter of /proc/net/netstat or /proc/net/snmp (the whole network
 * namespace), or -1: each section is a line of names ("TcpExt: ...") and a
 * line of values. */
static long long net_counter(const char *file, const char *section, const char *counter) {
    FILE *f = fopen(file, "r");
    if (!f) return -1;
    static char names[8192], values[8192];
    size_t section_len = strlen(section);
    long long found = -1;
    while (fgets(names, sizeof names, f) && fgets(values, sizeof values, f)) {
        if (strncmp(names, section, section_len) != 0 || names[section_len] != ':') continue;
        char *name_save, *value_save;
        char *name = strtok_r(names, " \n", &name_save), *value = strtok_r(values, " \n", &value_save);
        while (name && value) {
            if (!strcmp(name, counter)) {
                found = atoll(value);
                break;
            }
            name = strtok_r(NULL, " \n", &name_save);
            value = strtok_r(NULL, " \n", &value_save);
        }
        break;
    }
    fclose(f);
    return found;
}

/* TcpExt ListenOverflows: connections whose handshake completed while the
 * server's accept queue was full. Each costs that connection a SYN
 * retransmission, about 1 s, so a setup time with overflows measures the
 * backlog more than the server. */
static long long listen_overflows(void) { return net_counter("/proc/net/netstat", "TcpExt", "ListenOverflows"); }

/* ---------- latency histogram ----------
 * Log-linear buckets: 64 linear sub-buckets per power of two of nanoseconds,
 * so any recorded value is off by at most 1/64 (1.6 %), over 1 ns .. 2^40 ns. */

enum { HIST_SUB_BITS = 6, HIST_SUB = 1 << HIST_SUB_BITS, HIST_POW = 41 };
static uint64_t hist[HIST_POW * HIST_SUB];
static uint64_t hist_count, hist_max_ns;

static unsigned hist_index(uint64_t v) {
    if (v < HIST_SUB) return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    if (msb >= HIST_POW + HIST_SUB_BITS - 1) return HIST_POW * HIST_SUB - 1;
    unsigned shift = msb - HIST_SUB_BITS;
    unsigned sub = (unsigned)(v >> shift) & (HIST_SUB - 1);
    return (shift + 1) * HIST_SUB + sub;
}

/* Upper edge of a bucket: percentiles are reported pessimistically. */
static uint64_t hist_bucket_top(unsigned i) {
    if (i < HIST_SUB) return i;
    unsigned shift = i / HIST_SUB - 1, sub = i % HIST_SUB;
    return ((uint64_t)(HIST_SUB + sub + 1) << shift) - 1;
}

static void hist_record(uint64_t ns) {
    hist[hist_index(ns)]++;
    hist_count++;
    if (ns > hist_max_ns) hist_max_ns = ns;
}

static double hist_percentile_us(double q) {
    if (hist_count == 0) return 0;
    uint64_t rank = (uint64_t)(q * (double)hist_count);
    if (rank >= hist_count) rank = hist_count - 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_POW * HIST_SUB; i++) {
        seen += hist[i];
        if (seen > rank) {
            uint64_t top = hist_bucket_top(i);
            return (double)(top < hist_max_ns ? top : hist_max_ns) / 1e3;
        }
    }
    return (double)hist_max_ns / 1e3;
}

/* ---------- the byte pattern ----------
 * Connection c's stream byte at offset k is pattern[(k + c * PATTERN_STRIDE) % PATTERN_PERIOD].
 * The buffer is longer than the period by the largest single read or write, so
 * any window of the stream is one contiguous slice. A prime period keeps
 * neighbouring connections and requests from sending identical bytes. */

enum { PATTERN_PERIOD = 65521, PATTERN_STRIDE = 7919, RECV_CHUNK = 256 * 1024 };
static unsigned char *pattern;
static size_t pattern_slack;

static void pattern_init(size_t largest_slice) {
    pattern_slack = largest_slice > RECV_CHUNK ? largest_slice : RECV_CHUNK;
    pattern = malloc(PATTERN_PERIOD + pattern_slack);
    if (!pattern) usage_exit("out of memory for the byte pattern");
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (size_t i = 0; i < PATTERN_PERIOD; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        pattern[i] = (unsigned char)(x >> 32);
    }
    for (size_t i = 0; i < pattern_slack; i++) pattern[PATTERN_PERIOD + i] = pattern[i % PATTERN_PERIOD];
}

static const unsigned char *pattern_at(int conn, uint64_t offset) {
    return pattern + (offset + (uint64_t)conn * PATTERN_STRIDE) % PATTERN_PERIOD;
}

/* ---------- connections ---------- */

enum conn_state { CS_UNUSED, CS_CONNECTING, CS_OPEN, CS_FAILED };
enum conn_role { ROLE_IDLE, ROLE_ACTIVE };
enum fail_kind { FAIL_NONE, FAIL_CONNECT, FAIL_EOF, FAIL_RESET, FAIL_IO, FAIL_MISMATCH, FAIL_KINDS };
static const char *const fail_names[] = { "none", "connect", "eof", "reset", "io", "mismatch" };

struct conn {
    int fd;
    enum conn_state state;
    enum conn_role role;
    enum fail_kind failed_as;
    uint32_t interest;       /* epoll events currently registered */
    uint64_t tx_off;         /* stream bytes written so far */
    uint64_t rx_off;         /* stream bytes received (and verified) so far */
    uint64_t goal_off;       /* rr/ping: tx_off at which the current request ends */
    uint64_t reply_off;      /* http: rx_off at which the responses asked for end */
    uint64_t req_base;       /* http: tx_off where the request in req[] starts */
    char req[160];           /* http: the request being sent (the longest host and counters fit) */
    uint64_t req_start_ns;   /* rr: when the current request was first written */
    int waiting;             /* a request or ping is outstanding */
};

static struct conn *conns;
static int nconns;           /* slots used: idle first, then active */
static int epfd = -1;
static struct sockaddr_storage target;
static socklen_t target_len;

static uint64_t fail_counts[2][FAIL_KINDS]; /* [role][kind] */
enum { NOTHING_EXPECTED = 256 }; /* the server sent bytes beyond everything we sent */
static struct {
    int seen;
    int conn;
    uint64_t offset;
    unsigned expected, got;
} first_mismatch;

/* Measurement window and counters. */
static int measuring;
static uint64_t window_requests, window_bytes;

__attribute__((noreturn)) static void die_setup(const char *what) {
    printf("{\"ok\":false,\"error\":\"%s: %s\"}\n", what, strerror(errno));
    exit(2);
}

static void set_interest(struct conn *c, uint32_t events) {
    if (c->interest == events) return;
    struct epoll_event ev = { .events = events, .data.u32 = (uint32_t)(c - conns) };
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) die_setup("epoll_ctl MOD");
    c->interest = events;
}

/* Connections of ping_role whose ping echo is still awaited (only while pinging). */
static int pinging, pings_outstanding;
static enum conn_role ping_role;
static int active_open_now;

static void conn_fail(struct conn *c, enum fail_kind kind) {
    if (c->state == CS_FAILED) return;
    if (pinging && c->waiting && c->role == ping_role) pings_outstanding--;
    if (c->role == ROLE_ACTIVE && c->state == CS_OPEN) active_open_now--;
    fail_counts[c->role][kind]++;
    c->failed_as = kind;
    c->state = CS_FAILED;
    c->waiting = 0;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
}

static void conn_fail_errno(struct conn *c, int err) {
    conn_fail(c, err == ECONNRESET || err == EPIPE ? FAIL_RESET : FAIL_IO);
}

static int conn_start(enum conn_role role) {
    struct conn *c = &conns[nconns];
    memset(c, 0, sizeof *c);
    c->role = role;
    c->fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) die_setup("socket");
    int one = 1;
    /* Requests are small and latency-bound: do not let Nagle hold them back. */
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    nconns++;
    if (connect(c->fd, (struct sockaddr *)&target, target_len) < 0 && errno != EINPROGRESS) {
        fail_counts[role][FAIL_CONNECT]++;
        c->failed_as = FAIL_CONNECT;
        c->state = CS_FAILED;
        close(c->fd);
        c->fd = -1;
        return 0;
    }
    c->state = CS_CONNECTING;
    c->interest = EPOLLOUT;
    struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = (uint32_t)(c - conns) };
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) die_setup("epoll_ctl ADD");
    return 1;
}

/* Writes the bytes of the stream between tx_off and goal_off that the socket accepts. */
static void conn_flush(struct conn *c) {
    while (c->tx_off < c->goal_off) {
        uint64_t want = c->goal_off - c->tx_off;
        size_t len = want > pattern_slack ? pattern_slack : (size_t)want;
        const void *data = opt.mode == MODE_HTTP ? (const void *)(c->req + (c->tx_off - c->req_base))
                                                 : pattern_at((int)(c - conns), c->tx_off);
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            c->tx_off += (uint64_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_interest(c, EPOLLIN | EPOLLOUT);
            return;
        }
        conn_fail_errno(c, errno);
        return;
    }
    set_interest(c, EPOLLIN);
}

/* http: the next GET of this connection; its target counts the requests, so
 * that each one is new to the server. */
static size_t http_request(struct conn *c) {
    int v6 = target.ss_family == AF_INET6;
    int n = snprintf(c->req, sizeof c->req, "GET /%d/%llu HTTP/1.1\r\nHost: %s%s%s\r\n\r\n", (int)(c - conns),
                     (unsigned long long)(c->reply_off / opt.expect_len), v6 ? "[" : "", opt.host, v6 ? "]" : "");
    if (n < 0 || (size_t)n >= sizeof c->req) usage_exit("--host is too long for an HTTP request line");
    c->req_base = c->tx_off;
    c->reply_off += opt.expect_len;
    return (size_t)n;
}

static void conn_send_request(struct conn *c, size_t len, uint64_t now) {
    if (opt.mode == MODE_HTTP) len = http_request(c);
    c->goal_off = c->tx_off + len;
    c->req_start_ns = now;
    c->waiting = 1;
    conn_flush(c);
}

/* stream: top up to `window` unechoed bytes, whole messages at a time. */
static void stream_fill(struct conn *c) {
    while (c->goal_off - c->rx_off + opt.size <= opt.window) c->goal_off += opt.size;
    conn_flush(c);
}

static void note_mismatch(struct conn *c, uint64_t offset, unsigned expected, unsigned got) {
    if (first_mismatch.seen) return;
    first_mismatch.seen = 1;
    first_mismatch.conn = (int)(c - conns);
    first_mismatch.offset = offset;
    first_mismatch.expected = expected;
    first_mismatch.got = got;
}

/* http: the bytes at rx_off must continue the responses asked for, each one
 * --expect exactly; returns 0 (the connection failed) on any other byte. */
static int http_verify(struct conn *c, const unsigned char *buf, size_t n) {
    for (size_t i = 0; i < n;) {
        if (c->rx_off == c->reply_off) {
            note_mismatch(c, c->rx_off, NOTHING_EXPECTED, buf[i]);
            conn_fail(c, FAIL_MISMATCH);
            return 0;
        }
        size_t at = (size_t)(c->rx_off % opt.expect_len);
        size_t take = opt.expect_len - at < n - i ? opt.expect_len - at : n - i;
        if (memcmp(buf + i, opt.expect + at, take) != 0) {
            size_t k = 0;
            while (buf[i + k] == (unsigned char)opt.expect[at + k]) k++;
            note_mismatch(c, c->rx_off + k, (unsigned char)opt.expect[at + k], buf[i + k]);
            conn_fail(c, FAIL_MISMATCH);
            return 0;
        }
        c->rx_off += take;
        i += take;
    }
    return 1;
}

/* Reads and verifies whatever arrived; returns 0 when the connection failed. */
static int conn_receive(struct conn *c) {
    static unsigned char buf[RECV_CHUNK];
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n > 0 && opt.mode == MODE_HTTP) {
            if (!http_verify(c, buf, (size_t)n)) return 0;
            if ((size_t)n < sizeof buf) return 1;
            continue;
        }
        if (n > 0) {
            uint64_t unsent_echo = c->tx_off - c->rx_off;
            if ((uint64_t)n > unsent_echo) {
                /* More bytes than we ever sent: the server invented data. */
                note_mismatch(c, c->tx_off, NOTHING_EXPECTED, buf[unsent_echo]);
                conn_fail(c, FAIL_MISMATCH);
                return 0;
            }
            const unsigned char *want = pattern_at((int)(c - conns), c->rx_off);
            if (memcmp(buf, want, (size_t)n) != 0) {
                size_t i = 0;
                while (buf[i] == want[i]) i++;
                note_mismatch(c, c->rx_off + i, want[i], buf[i]);
                conn_fail(c, FAIL_MISMATCH);
                return 0;
            }
            c->rx_off += (uint64_t)n;
            if (measuring && opt.mode == MODE_STREAM && c->role == ROLE_ACTIVE) window_bytes += (uint64_t)n;
            if ((size_t)n < sizeof buf) return 1;
            continue;
        }
        if (n == 0) {
            conn_fail(c, FAIL_EOF);
            return 0;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 1;
        conn_fail_errno(c, errno);
        return 0;
    }
}

/* ---------- the event loop ---------- */

enum phase { PH_CONNECT, PH_PING, PH_RUN };

struct connect_plan {
    enum conn_role role;
    int total;       /* connections to open in this batch */
    int started;
    int settled;     /* connected or failed */
    int in_flight;
};

static struct connect_plan connect_plan;

/* Connects in flight at once: enough to keep the server's accept loop busy,
 * few enough not to overflow its listen backlog (SYNs beyond it are dropped
 * and retried after a second, which would distort the timing). */
enum { CONNECTS_IN_FLIGHT = 128 };

static void connect_more(void) {
    while (connect_plan.started < connect_plan.total && connect_plan.in_flight < CONNECTS_IN_FLIGHT) {
        connect_plan.started++;
        if (conn_start(connect_plan.role))
            connect_plan.in_flight++;
        else
            connect_plan.settled++;
    }
}

static void on_connected(struct conn *c, int err) {
    connect_plan.in_flight--;
    connect_plan.settled++;
    if (err) {
        fail_counts[c->role][FAIL_CONNECT]++;
        c->failed_as = FAIL_CONNECT;
        c->state = CS_FAILED;
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    } else {
        c->state = CS_OPEN;
        if (c->role == ROLE_ACTIVE) active_open_now++;
        /* Keep EPOLLIN even on idle connections: a server that drops one shows up as EOF. */
        set_interest(c, EPOLLIN);
    }
    connect_more();
}

/* The answer to the outstanding request is all in: the echo, or the response. */
static int reply_complete(const struct conn *c) {
    return opt.mode == MODE_HTTP ? c->rx_off == c->reply_off : c->rx_off == c->goal_off;
}

static void on_event(struct conn *c, uint32_t events, enum phase phase, uint64_t now) {
    if (c->state == CS_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
        if (err == 0 && !(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
        on_connected(c, err);
        return;
    }
    if (c->state != CS_OPEN) return;
    if (events & EPOLLOUT) {
        conn_flush(c);
        if (c->state != CS_OPEN) return;
    }
    if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
    if (!conn_receive(c)) return;
    if (c->role == ROLE_IDLE || phase == PH_PING) {
        if (c->waiting && reply_complete(c)) {
            c->waiting = 0;
            if (pinging) pings_outstanding--;
        }
        return;
    }
    /* After the run, active connections only drain what is still in flight. */
    if (phase != PH_RUN) return;
    if (opt.mode == MODE_STREAM) {
        stream_fill(c);
        return;
    }
    if (c->waiting && reply_complete(c)) {
        if (measuring) {
            window_requests++;
            hist_record(now - c->req_start_ns);
        }
        conn_send_request(c, opt.size, now);
    }
}

/* Runs the loop until `done()` or the deadline; returns 1 if done() became true. */
static int loop_until(enum phase phase, int (*done)(void), uint64_t deadline_ns,
                      uint64_t window_start_ns, uint64_t window_end_ns,
                      void (*on_window_edge)(int starting)) {
    static struct epoll_event events[1024];
    for (;;) {
        uint64_t now = mono_ns();
        if (on_window_edge) {
            if (!measuring && now >= window_start_ns && now < window_end_ns) on_window_edge(1);
            if (measuring && now >= window_end_ns) on_window_edge(0);
        }
        if (done && done()) return 1;
        if (now >= deadline_ns) return 0;
        uint64_t wake = deadline_ns;
        if (on_window_edge && !measuring && window_start_ns > now && window_start_ns < wake) wake = window_start_ns;
        if (on_window_edge && measuring && window_end_ns < wake) wake = window_end_ns;
        uint64_t wait_ms = (wake - now + 999999) / 1000000;
        if (wait_ms > 100) wait_ms = 100;
        int n = epoll_wait(epfd, events, (int)(sizeof events / sizeof events[0]), (int)wait_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            die_setup("epoll_wait");
        }
        now = mono_ns();
        for (int i = 0; i < n; i++) on_event(&conns[events[i].data.u32], events[i].events, phase, now);
    }
}

static int connects_done(void) { return connect_plan.settled == connect_plan.total; }
static int pings_done(void) { return pings_outstanding == 0; }

/* Opens `count` connections of one role; returns how many are open. */
static int open_batch(enum conn_role role, int count) {
    int first = nconns;
    connect_plan = (struct connect_plan){ .role = role, .total = count };
    connect_more();
    uint64_t deadline = mono_ns() + (uint64_t)(opt.connect_budget_s * 1e9);
    loop_until(PH_CONNECT, connects_done, deadline, 0, 0, NULL);
    int open = 0;
    for (int i = first; i < nconns; i++) {
        if (conns[i].state == CS_CONNECTING) conn_fail(&conns[i], FAIL_CONNECT);
        if (conns[i].state == CS_OPEN) open++;
    }
    /* Slots never started (budget ran out) count as connect failures too. */
    for (int i = connect_plan.started; i < count; i++) fail_counts[role][FAIL_CONNECT]++;
    return open;
}

struct ping_result { int ok, failed, timed_out; double seconds; };
enum { PING_SIZE = 8 };

/* Sends one small message on every open connection of `role` and waits for all echoes. */
static struct ping_result ping_all(enum conn_role role) {
    struct ping_result r = { 0, 0, 0, 0 };
    uint64_t start = mono_ns();
    pinging = 1;
    ping_role = role;
    pings_outstanding = 0;
    for (int i = 0; i < nconns; i++) {
        struct conn *c = &conns[i];
        if (c->role != role || c->state != CS_OPEN) continue;
        pings_outstanding++;
        conn_send_request(c, PING_SIZE, start);
    }
    loop_until(PH_PING, pings_done, start + (uint64_t)(opt.ping_budget_s * 1e9), 0, 0, NULL);
    pinging = 0;
    r.seconds = (double)(mono_ns() - start) / 1e9;
    for (int i = 0; i < nconns; i++) {
        struct conn *c = &conns[i];
        if (c->role != role) continue;
        if (c->state == CS_OPEN && !c->waiting) r.ok++;
        else if (c->state == CS_OPEN) r.timed_out++;
        else r.failed++;
    }
    return r;
}

static uint64_t cpu_window_start_self, cpu_window_end_self;
static long long run_delay_window_start_self = -1, run_delay_window_end_self = -1;
static struct cpu_ticks cpu_window_start_server = { -1, -1 }, cpu_window_end_server = { -1, -1 };
static uint64_t window_started_ns, window_ended_ns;
static struct switches switches_start, switches_end;

static void window_open(uint64_t now) {
    window_started_ns = now;
    cpu_window_start_self = self_cpu_ns();
    run_delay_window_start_self = self_run_delay_ns();
    cpu_window_start_server = server_cpu_ticks();
    sample_threads(0);
    switches_start = server_switches();
}

static void window_edge(int starting) {
    uint64_t now = mono_ns();
    if (starting) {
        measuring = 1;
        window_open(now);
    } else {
        /* Ended before the window opened: an empty window, not one since boot. */
        if (!measuring) window_open(now);
        measuring = 0;
        window_ended_ns = now;
        cpu_window_end_self = self_cpu_ns();
        run_delay_window_end_self = self_run_delay_ns();
        cpu_window_end_server = server_cpu_ticks();
        sample_threads(1);
        switches_end = server_switches();
    }
}

/* The run ends early when every active connection is gone: nothing more can be
 * measured (unless there were none to begin with: --conns 0 holds idle ones only). */
static int run_over(void) { return window_ended_ns != 0 || (opt.conns > 0 && active_open_now == 0); }

/* ---------- an empty window: where the requests were ----------
 * When the active connections got no answer in the window, the end of the
 * window says where their outstanding requests were, which tells a network
 * delay from a server that did not run from one that slept through its input:
 * - unacked: the server's kernel had not acknowledged them (TCP was still
 *   retransmitting: the path dropped or held them, not the server);
 * - acked: its kernel had them queued and the server never answered; then the
 *   server's threads, each as its state (R running or runnable, S sleeping, D
 *   in I/O) and the system call it is in (/proc/PID/task/TID/stat and
 *   syscall): a thread runnable all along was descheduled, while every thread
 *   asleep in its wait (on x86-64 epoll_wait 232, epoll_pwait 281, futex 202) means the
 *   server slept through readiness it should have seen;
 * - and, machine-wide over the run, loopback packets dropped for a full
 *   backlog (/proc/net/softnet_stat) and TCP retransmissions. */
struct stall_probe {
    double oldest_s; /* the longest a request had been outstanding */
    int unacked, acked;
    unsigned retransmits, max_backoff;
    char threads[256];
};

static long long softnet_dropped(void) {
    FILE *f = fopen("/proc/net/softnet_stat", "r");
    if (!f) return -1;
    long long total = 0;
    unsigned processed, dropped;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%x %x", &processed, &dropped) == 2) total += dropped;
    fclose(f);
    return total;
}

/* Tcp RetransSegs: segments TCP sent again. */
static long long tcp_retrans_segs(void) { return net_counter("/proc/net/snmp", "Tcp", "RetransSegs"); }

static void probe_server_threads(char *out, size_t size) {
    size_t used = 0;
    out[0] = 0;
    DIR *dir = server_tasks();
    if (!dir) return;
    char path[96];
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && used + 24 < size) {
        if (entry->d_name[0] == '.') continue;
        char stat[512] = "", call[64] = "";
        snprintf(path, sizeof path, "/proc/%d/task/%.16s/stat", opt.server_pid, entry->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t n = fread(stat, 1, sizeof stat - 1, f);
        stat[n] = 0;
        fclose(f);
        snprintf(path, sizeof path, "/proc/%d/task/%.16s/syscall", opt.server_pid, entry->d_name);
        f = fopen(path, "r");
        if (f) {
            if (!fgets(call, sizeof call, f)) call[0] = 0;
            fclose(f);
        }
        /* The state follows the last ')': comm may hold anything. */
        const char *close_paren = strrchr(stat, ')');
        if (!close_paren || close_paren[1] != ' ') continue;
        char state = close_paren[2];
        long nr = -1;
        if (call[0] >= '0' && call[0] <= '9') nr = strtol(call, NULL, 10);
        int w = nr >= 0 ? snprintf(out + used, size - used, "%s%c%ld", used ? " " : "", state, nr)
                        : snprintf(out + used, size - used, "%s%c", used ? " " : "", state);
        if (w < 0 || (size_t)w >= size - used) break;
        used += (size_t)w;
    }
    closedir(dir);
}

static struct stall_probe probe_stall(int first_active) {
    struct stall_probe p = { 0, 0, 0, 0, 0, "" };
    uint64_t now = mono_ns();
    for (int i = first_active; i < nconns; i++) {
        struct conn *c = &conns[i];
        if (c->state != CS_OPEN || !c->waiting) continue;
        double age = (double)(now - c->req_start_ns) / 1e9;
        if (age > p.oldest_s) p.oldest_s = age;
        struct tcp_info info;
        socklen_t len = sizeof info;
        if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0) continue;
        if (info.tcpi_unacked > 0) p.unacked++;
        else p.acked++;
        p.retransmits += info.tcpi_total_retrans;
        if (info.tcpi_backoff > p.max_backoff) p.max_backoff = info.tcpi_backoff;
    }
    probe_server_threads(p.threads, sizeof p.threads);
    return p;
}

/* ---------- setup ---------- */

static void usage_exit(const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr,
            "loadgen: %s\n"
            "usage: loadgen --port P [--host 127.0.0.1|::1] [--mode rr|stream|scale|setup|http]\n"
            "               [--conns N] [--size BYTES] [--window BYTES] [--idle N]\n"
            "               [--warmup SEC] [--duration SEC] [--connect-budget SEC]\n"
            "               [--ping-budget SEC] [--server-pid PID] [--expect RESPONSE]\n",
            msg);
    /* The one-line JSON contract holds even for usage errors, so a caller
     * parsing stdout always finds the reason. Messages here never contain quotes. */
    printf("{\"ok\":false,\"error\":\"%s\"}\n", msg);
    exit(2);
}

static long parse_long(const char *s, const char *name, long lo, long hi) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi) usage_exit("--%s must be an integer in [%ld, %ld]", name, lo, hi);
    return v;
}

static double parse_seconds(const char *s, const char *name, double lo, double hi) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !(v >= lo && v <= hi)) usage_exit("--%s must be seconds in [%g, %g]", name, lo, hi);
    return v;
}

/* --expect's C escapes (\\r, \\n, \\t, \\\\) decoded in place, so that a shell
 * can pass a response; returns the decoded length. */
static size_t unescape(char *s) {
    char *out = s;
    for (const char *in = s; *in; in++) {
        if (*in != '\\' || !in[1]) {
            *out++ = *in;
            continue;
        }
        in++;
        *out++ = *in == 'r' ? '\r' : *in == 'n' ? '\n' : *in == 't' ? '\t' : *in;
    }
    *out = '\0';
    return (size_t)(out - s);
}

static void parse_args(int argc, char **argv) {
    static const struct option longopts[] = {
        { "host", required_argument, 0, 'H' },       { "port", required_argument, 0, 'p' },
        { "mode", required_argument, 0, 'm' },       { "conns", required_argument, 0, 'c' },
        { "size", required_argument, 0, 's' },       { "window", required_argument, 0, 'W' },
        { "idle", required_argument, 0, 'i' },       { "warmup", required_argument, 0, 'w' },
        { "duration", required_argument, 0, 'd' },   { "connect-budget", required_argument, 0, 'C' },
        { "ping-budget", required_argument, 0, 'B' }, { "server-pid", required_argument, 0, 'P' },
        { "expect", required_argument, 0, 'E' },     { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'H': opt.host = optarg; break;
        case 'p': opt.port = (int)parse_long(optarg, "port", 1, 65535); break;
        case 'm':
            if (!strcmp(optarg, "rr")) opt.mode = MODE_RR;
            else if (!strcmp(optarg, "stream")) opt.mode = MODE_STREAM;
            else if (!strcmp(optarg, "scale")) opt.mode = MODE_SCALE;
            else if (!strcmp(optarg, "setup")) opt.mode = MODE_SETUP;
            else if (!strcmp(optarg, "http")) opt.mode = MODE_HTTP;
            else usage_exit("--mode must be rr, stream, scale, setup or http");
            break;
        case 'c': opt.conns = (int)parse_long(optarg, "conns", 0, 100000); break;
        case 's': opt.size = (size_t)parse_long(optarg, "size", 1, 4 << 20); break;
        case 'W': opt.window = (size_t)parse_long(optarg, "window", 1, 64 << 20); break;
        case 'i': opt.idle = (int)parse_long(optarg, "idle", 0, 1000000); break;
        case 'w': opt.warmup_s = parse_seconds(optarg, "warmup", 0, 600); break;
        case 'd': opt.duration_s = parse_seconds(optarg, "duration", 0.05, 600); break;
        case 'C': opt.connect_budget_s = parse_seconds(optarg, "connect-budget", 0.1, 600); break;
        case 'B': opt.ping_budget_s = parse_seconds(optarg, "ping-budget", 0.1, 600); break;
        case 'P': opt.server_pid = (int)parse_long(optarg, "server-pid", 1, 1 << 30); break;
        case 'E': opt.expect_len = unescape(optarg); opt.expect = optarg; break;
        case 'h': usage_exit("help");
        default: usage_exit("unknown option");
        }
    }
    if (optind != argc) usage_exit("unexpected argument");
    if (!opt.port) usage_exit("--port is required");
    if (opt.mode != MODE_SCALE && opt.mode != MODE_HTTP && opt.idle) usage_exit("--idle belongs to --mode scale or http");
    if ((opt.mode == MODE_HTTP) != (opt.expect != NULL)) usage_exit("--expect (the response, exactly) goes with --mode http, and only there");
    if (opt.mode == MODE_HTTP && opt.expect_len == 0) usage_exit("--expect must not be empty");
    if (opt.conns == 0 && (opt.idle == 0 || opt.mode == MODE_SETUP)) usage_exit("--conns 0 only with --idle: some connections must be held");
    if (opt.window == 0) opt.window = opt.size * 4;
    if (opt.window < opt.size) usage_exit("--window must be at least --size");
}

static void resolve_loopback(void) {
    memset(&target, 0, sizeof target);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&target;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&target;
    if (inet_pton(AF_INET, opt.host, &v4->sin_addr) == 1) {
        /* Traffic must never leave the machine. */
        if ((ntohl(v4->sin_addr.s_addr) >> 24) != 127) usage_exit("--host must be a loopback address");
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)opt.port);
        target_len = sizeof *v4;
    } else if (inet_pton(AF_INET6, opt.host, &v6->sin6_addr) == 1) {
        if (!IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) usage_exit("--host must be a loopback address");
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)opt.port);
        target_len = sizeof *v6;
    } else {
        usage_exit("--host must be a numeric loopback address (127.0.0.1 or ::1)");
    }
}

/* Each connection is one fd; ask for what we need, up to the hard limit. */
static void raise_fd_limit(rlim_t needed) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) die_setup("getrlimit");
    if (rl.rlim_cur >= needed) return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= needed ? needed : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) die_setup("setrlimit");
    if (rl.rlim_cur < needed) {
        errno = EMFILE;
        die_setup("RLIMIT_NOFILE hard limit is below the connections asked for");
    }
}

/* ---------- report ---------- */

static void print_fail_counts(enum conn_role role) {
    printf("{");
    for (int k = FAIL_CONNECT; k < FAIL_KINDS; k++)
        printf("%s\"%s\":%llu", k == FAIL_CONNECT ? "" : ",", fail_names[k],
               (unsigned long long)fail_counts[role][k]);
    printf("}");
}

/* How the active connections fared, and the first wrong byte if any. */
static void print_active_outcome(void) {
    printf(",\"active_failures\":");
    print_fail_counts(ROLE_ACTIVE);
    if (first_mismatch.seen) {
        printf(",\"first_mismatch\":{\"conn\":%d,\"offset\":%llu,\"got\":%u,\"expected\":",
               first_mismatch.conn, (unsigned long long)first_mismatch.offset, first_mismatch.got);
        if (first_mismatch.expected == NOTHING_EXPECTED) printf("null}");
        else printf("%u}", first_mismatch.expected);
    }
}

static void print_ping(const char *name, struct ping_result ping) {
    printf(",\"%s\":{\"ok\":%d,\"failed\":%d,\"timed_out\":%d,\"s\":%.3f}", name, ping.ok, ping.failed,
           ping.timed_out, ping.seconds);
}

/* The server's and our own CPU and the server's context switches over the
 * window, then the end of the JSON line. */
static void print_window_figures(double per_s) {
    double tick = (double)sysconf(_SC_CLK_TCK);
    struct cpu_ticks a = cpu_window_start_server, b = cpu_window_end_server;
    if (a.user >= 0 && b.user >= 0) {
        double user_s = (double)(b.user - a.user) / tick, sys_s = (double)(b.sys - a.sys) / tick;
        printf(",\"server_cpu_pct\":%.1f,\"server_user_s\":%.2f,\"server_sys_s\":%.2f", 100.0 * (user_s + sys_s) * per_s,
               user_s, sys_s);
        /* Per thread: the ones that ran in the window (comm is the kernel's
         * 15-byte name; a quote or backslash in it is replaced, never escaped). */
        printf(",\"server_threads\":[");
        int first = 1;
        for (int i = 0; i < nthreads; i++) {
            struct thread_cpu *t = &threads[i];
            if (t->end.user < 0 || t->end.user + t->end.sys == t->start.user + t->start.sys) continue;
            for (char *q = t->comm; *q; q++)
                if (*q == '"' || *q == '\\' || (unsigned char)*q < 0x20) *q = '_';
            printf("%s{\"tid\":%d,\"comm\":\"%s\",\"user_s\":%.2f,\"sys_s\":%.2f}", first ? "" : ",", t->tid, t->comm,
                   (double)(t->end.user - t->start.user) / tick, (double)(t->end.sys - t->start.sys) / tick);
            first = 0;
        }
        printf("]");
    }
    if (switches_start.voluntary >= 0 && switches_end.voluntary >= 0)
        printf(",\"server_wakeups\":%lld,\"server_preemptions\":%lld",
               switches_end.voluntary - switches_start.voluntary,
               switches_end.involuntary - switches_start.involuntary);
    if (switches_start.run_delay_ns >= 0 && switches_end.run_delay_ns >= 0)
        printf(",\"server_run_delay_s\":%.3f", (double)(switches_end.run_delay_ns - switches_start.run_delay_ns) / 1e9);
    if (run_delay_window_start_self >= 0 && run_delay_window_end_self >= 0)
        printf(",\"loadgen_run_delay_s\":%.3f", (double)(run_delay_window_end_self - run_delay_window_start_self) / 1e9);
    printf(",\"loadgen_cpu_pct\":%.1f}\n", 100.0 * (double)(cpu_window_end_self - cpu_window_start_self) / 1e9 * per_s);
    fflush(stdout);
}

/* setup: the window is the whole setup, from the first connect to the last echo. */
static int run_setup(void) {
    long long overflows_before = listen_overflows();
    window_edge(1);
    int open = open_batch(ROLE_ACTIVE, opt.conns);
    double connect_s = (double)(mono_ns() - window_started_ns) / 1e9;
    struct ping_result ping = ping_all(ROLE_ACTIVE);
    window_edge(0);
    long long overflows_after = listen_overflows();
    double setup_s = (double)(window_ended_ns - window_started_ns) / 1e9;
    uint64_t failures = 0;
    for (int k = FAIL_CONNECT; k < FAIL_KINDS; k++) failures += fail_counts[ROLE_ACTIVE][k];
    int ok = failures == 0 && ping.timed_out == 0 && ping.ok == opt.conns;
    printf("{\"ok\":%s,\"mode\":\"setup\",\"host\":\"%s\",\"port\":%d,\"conns\":%d,\"size\":%d",
           ok ? "true" : "false", opt.host, opt.port, opt.conns, (int)PING_SIZE);
    printf(",\"window_s\":%.6f,\"active_open\":%d,\"active_alive\":%d", setup_s, open, ping.ok);
    printf(",\"setup_s\":%.4f,\"connect_s\":%.4f,\"ping_s\":%.4f", setup_s, connect_s, ping.seconds);
    if (overflows_before >= 0 && overflows_after >= 0) printf(",\"listen_overflows\":%lld", overflows_after - overflows_before);
    print_ping("answered", ping);
    print_active_outcome();
    print_window_figures(setup_s > 1e-6 ? 1.0 / setup_s : 0);
    return ok ? 0 : 1;
}

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "{\"ok\":false,\"error\":\"overall time limit reached\"}\n";
    ssize_t ignored = write(STDOUT_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(2);
}

int main(int argc, char **argv) {
    parse_args(argc, argv);
    resolve_loopback();
    signal(SIGPIPE, SIG_IGN);
    int total = opt.conns + opt.idle;
    raise_fd_limit((rlim_t)total + 64);
    conns = calloc((size_t)total, sizeof *conns);
    if (!conns) die_setup("calloc");
    pattern_init(opt.mode == MODE_STREAM ? opt.window : opt.size);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die_setup("epoll_create1");

    /* A hard stop however the server behaves: every phase has its own budget
     * already; this catches anything that slips past them. */
    signal(SIGALRM, on_alarm);
    alarm((unsigned)(opt.connect_budget_s * 2 + opt.ping_budget_s * 2 + opt.warmup_s + opt.duration_s + 30));

    if (opt.mode == MODE_SETUP) return run_setup();

    uint64_t t0 = mono_ns();
    int idle_open = 0;
    struct ping_result ping_before = { 0, 0, 0, 0 }, ping_after = { 0, 0, 0, 0 };
    double idle_connect_s = 0;
    long long overflows_before = listen_overflows(), overflows_after = -1;
    if (opt.idle) {
        idle_open = open_batch(ROLE_IDLE, opt.idle);
        overflows_after = listen_overflows();
        idle_connect_s = (double)(mono_ns() - t0) / 1e9;
        ping_before = ping_all(ROLE_IDLE);
    }
    int first_active = nconns;
    int active_open = open_batch(ROLE_ACTIVE, opt.conns);

    long long dropped_before = softnet_dropped(), retrans_before = tcp_retrans_segs();
    uint64_t run_start = mono_ns();
    for (int i = first_active; i < nconns; i++) {
        struct conn *c = &conns[i];
        if (c->state != CS_OPEN) continue;
        if (opt.mode == MODE_STREAM) stream_fill(c);
        else conn_send_request(c, opt.size, run_start);
    }
    uint64_t window_start = run_start + (uint64_t)(opt.warmup_s * 1e9);
    uint64_t window_end = window_start + (uint64_t)(opt.duration_s * 1e9);
    loop_until(PH_RUN, run_over, window_end + 1000000000u, window_start, window_end, window_edge);
    if (!window_ended_ns) window_edge(0);
    int empty_window = opt.mode != MODE_STREAM && active_open > 0 && window_requests == 0;
    struct stall_probe stall = { 0, 0, 0, 0, 0, "" };
    long long dropped_during = -1, retrans_during = -1;
    if (empty_window) {
        stall = probe_stall(first_active);
        long long dropped_after = softnet_dropped(), retrans_after = tcp_retrans_segs();
        if (dropped_before >= 0 && dropped_after >= 0) dropped_during = dropped_after - dropped_before;
        if (retrans_before >= 0 && retrans_after >= 0) retrans_during = retrans_after - retrans_before;
    }

    /* Stop active traffic before checking the idle ones so they are not starved. */
    for (int i = first_active; i < nconns; i++) {
        struct conn *c = &conns[i];
        if (c->state == CS_OPEN) {
            c->waiting = 0;
            c->goal_off = c->tx_off;
            set_interest(c, EPOLLIN);
        }
    }
    if (opt.idle) ping_after = ping_all(ROLE_IDLE);

    int active_alive = 0;
    for (int i = first_active; i < nconns; i++) active_alive += conns[i].state == CS_OPEN;

    double window_s = (double)(window_ended_ns - window_started_ns) / 1e9;
    /* Rates over an empty window (the run ended before it opened) are 0, not infinite. */
    double per_s = window_s > 1e-3 ? 1.0 / window_s : 0;

    uint64_t active_failures = 0, idle_failures = 0;
    for (int k = FAIL_CONNECT; k < FAIL_KINDS; k++) {
        active_failures += fail_counts[ROLE_ACTIVE][k];
        idle_failures += fail_counts[ROLE_IDLE][k];
    }
    uint64_t mismatches = fail_counts[ROLE_ACTIVE][FAIL_MISMATCH] + fail_counts[ROLE_IDLE][FAIL_MISMATCH];
    int ok = mismatches == 0 && active_failures == 0 && idle_failures == 0 &&
             ping_before.timed_out == 0 && ping_after.timed_out == 0 &&
             (opt.mode == MODE_STREAM ? window_bytes > 0 : window_requests > 0 || opt.conns == 0);

    printf("{\"ok\":%s,\"mode\":\"%s\",\"host\":\"%s\",\"port\":%d,\"conns\":%d,\"size\":%zu",
           ok ? "true" : "false", mode_names[opt.mode], opt.host, opt.port, opt.conns,
           opt.mode == MODE_HTTP ? opt.expect_len : opt.size);
    if (opt.mode == MODE_STREAM) printf(",\"window\":%zu", opt.window);
    printf(",\"warmup_s\":%g,\"window_s\":%.6f", opt.warmup_s, window_s);
    printf(",\"active_open\":%d,\"active_alive\":%d", active_open, active_alive);
    if (opt.mode == MODE_STREAM) {
        printf(",\"bytes\":%llu,\"mb_per_s\":%.3f", (unsigned long long)window_bytes,
               (double)window_bytes / 1e6 * per_s);
    } else {
        printf(",\"requests\":%llu,\"req_per_s\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f",
               (unsigned long long)window_requests, (double)window_requests * per_s,
               hist_percentile_us(0.50), hist_percentile_us(0.90), hist_percentile_us(0.99),
               (double)hist_max_ns / 1e3);
    }
    if (opt.idle) {
        /* idle_setup_s: the shared load generator's idle_setup_ms, in seconds. */
        printf(",\"idle\":%d,\"idle_open\":%d,\"idle_connect_s\":%.3f,\"idle_setup_s\":%.3f", opt.idle, idle_open,
               idle_connect_s, idle_connect_s + ping_before.seconds);
        if (overflows_before >= 0 && overflows_after >= 0)
            printf(",\"listen_overflows\":%lld", overflows_after - overflows_before);
        print_ping("idle_ping_before", ping_before);
        print_ping("idle_ping_after", ping_after);
        printf(",\"idle_failures\":");
        print_fail_counts(ROLE_IDLE);
    }
    print_active_outcome();
    if (empty_window)
        printf(",\"empty_window\":{\"oldest_s\":%.3f,\"unacked\":%d,\"acked\":%d,\"retransmits\":%u,\"max_backoff\":%u,"
               "\"server_threads\":\"%s\",\"softnet_dropped\":%lld,\"tcp_retrans_segs\":%lld}",
               stall.oldest_s, stall.unacked, stall.acked, stall.retransmits, stall.max_backoff, stall.threads, dropped_during,
               retrans_during);
    print_window_figures(per_s);
    return ok ? 0 : 1;
}
