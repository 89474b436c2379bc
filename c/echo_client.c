/*
 * echo_client.c - a load generator for TCP echo servers (RFC 862): N
 * connections, each sends an S-byte request and waits for the whole echo
 * before the next (closed loop); every echoed byte is compared with what was
 * sent. Reports requests per second and latency percentiles over a
 * measurement window, as one JSON line on stdout.
 *
 * The same C builds natively (gcc, Linux sockets and epoll) and for
 * wasm32-wasip1, where it opens its sockets through WASIX's socket calls
 * (<wasix/sockets.h>) and waits in WASIX epoll (<sys/epoll.h>): run it as
 *
 *   wasi-evloop run wasm/echo-client.wasm --allow-connect 127.0.0.1:PORT -- \
 *       --port PORT [--host 127.0.0.1] [--conns 50] [--size 64] [--warmup 1] [--duration 4]
 *       [--connect-budget 10] [--idle N] [--progress MS] [--mark-window]
 *
 * --idle N also opens N connections that never send, after the active ones
 * (an idle connection the server ends, as select() does past its cap, counts
 * as refused); --duration
 * 0 runs until the host stops it; --progress MS prints
 * `progress echoes=E idle=H refused=R failures=F connecting=C` that often.
 *
 * One thread, nonblocking sockets, one edge-triggered epoll registration per
 * connection (for reading and writing, made once): an echo is read when it
 * arrives, and exactly its size is asked for, so no read is wasted on an
 * empty socket. Latency is measured from the event-loop turn that sent a
 * request to the one that saw its whole echo (one clock reading per turn).
 * Its output has the fields of bench/loadgen.c's rr mode.
 *
 * Exit status: 0 when every echo came back whole and right, 1 when the run
 * ended but a check failed (the JSON says which), 2 on a usage or setup error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef __wasi__
#include <wasix/sockets.h>
#endif

#define MAX_CONNS 4096
#define MAX_IDLE 20000
#define MAX_SIZE (1 << 20)
/* Latencies are counted per microsecond up to this; longer ones in the last bucket. */
#define HIST_US 200000
/* The stream every connection sends, offset per connection: period PATTERN bytes. */
#define PATTERN 65521

static struct {
    const char *host;
    int port;
    int conns;
    size_t size;
    double warmup_s, duration_s, connect_budget_s;
    /* Say on stderr when the measured window starts and ends (for a harness that samples CPU then). */
    int mark_window;
    /* Connections held open that never send, opened before the active ones. */
    int idle;
    /* Print a progress line on stdout this often (0: never). */
    int progress_ms;
} opt = { "127.0.0.1", 0, 50, 64, 1, 4, 10, 0, 0, 0 };

/* IDLE: an idle connection, connected; its only news can be its end. */
enum state { CONNECTING, SENDING, WAITING, IDLE, FAILED };

struct conn {
    int fd;
    enum state state;
    /* Where this connection's stream is (the next request starts here). */
    uint64_t offset;
    size_t sent, received;
    uint64_t started_ns;
    int idle;
};

/* The idle connections, then the active ones. */
static struct conn conns[MAX_IDLE + MAX_CONNS];
static unsigned char pattern[PATTERN + MAX_SIZE];
static unsigned char readbuf[MAX_SIZE];
static uint32_t hist[HIST_US + 1];
static int epfd;
/* The clock, read once per event-loop turn. */
static uint64_t turn_ns;

static struct {
    /* Echoes counted in the window, and at any time (for progress lines). */
    uint64_t requests, echoes;
    /* Idle connections that were refused or ended by the server (select past its cap). */
    int idle_refused;
    uint64_t max_ns;
    int failures_connect, failures_eof, failures_io, mismatch;
    long mismatch_conn;
    uint64_t mismatch_offset;
    int mismatch_got, mismatch_expected;
} stats;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* This process's CPU seconds, or -1 where there is no such clock (wasi-libc
 * has none without its process-clock emulation; the host's process is more
 * than the module anyway: measure it from outside). */
static double cpu_s(void) {
#ifdef CLOCK_PROCESS_CPUTIME_ID
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return -1;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
#else
    return -1;
#endif
}

__attribute__((noreturn)) static void usage(const char *why) {
    printf("{\"ok\":false,\"error\":\"%s\"}\n", why);
    fprintf(stderr, "echo_client: %s\nusage: echo_client --port P [--host H] [--conns N] [--size S] [--warmup S] [--duration S]\n", why);
    exit(2);
}

static double number(const char *text, double min, double max, const char *what) {
    char *end;
    double v = strtod(text, &end);
    if (*text == 0 || *end != 0 || !(v >= min && v <= max)) usage(what);
    return v;
}

static void parse(int argc, char **argv) {
    int i = 1;
    while (i < argc) {
        const char *a = argv[i++];
        if (strcmp(a, "--mark-window") == 0) {
            opt.mark_window = 1;
            continue;
        }
        if (i >= argc) usage("an option lacks its value");
        const char *v = argv[i++];
        if (strcmp(a, "--host") == 0) opt.host = v;
        else if (strcmp(a, "--port") == 0) opt.port = (int)number(v, 1, 65535, "--port must be 1..65535");
        else if (strcmp(a, "--conns") == 0) opt.conns = (int)number(v, 1, MAX_CONNS, "--conns must be 1..4096");
        else if (strcmp(a, "--size") == 0) opt.size = (size_t)number(v, 1, MAX_SIZE, "--size must be 1..1048576");
        else if (strcmp(a, "--warmup") == 0) opt.warmup_s = number(v, 0, 600, "--warmup must be 0..600 s");
        else if (strcmp(a, "--duration") == 0) opt.duration_s = number(v, 0, 86400, "--duration must be 0..86400 s (0: until stopped)");
        else if (strcmp(a, "--connect-budget") == 0) opt.connect_budget_s = number(v, 0.1, 600, "--connect-budget must be 0.1..600 s");
        else if (strcmp(a, "--idle") == 0) opt.idle = (int)number(v, 0, MAX_IDLE, "--idle must be 0..20000");
        else if (strcmp(a, "--progress") == 0) opt.progress_ms = (int)number(v, 0, 60000, "--progress must be 0..60000 ms");
        else usage("unknown option");
    }
    if (opt.port == 0) usage("--port is required");
}

static void watch(struct conn *c, uint32_t events, int op) {
    struct epoll_event ev = { .events = events, .data.u32 = (uint32_t)(c - conns) };
    if (epoll_ctl(epfd, op, c->fd, &ev) < 0) {
        perror("echo_client: epoll_ctl");
        exit(2);
    }
}

static void fail(struct conn *c, int *counter) {
    (*counter)++;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->state = FAILED;
}

static void open_conn(struct conn *c, const struct sockaddr *a, socklen_t length) {
    c->fd = socket(a->sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) {
        perror("echo_client: socket");
        exit(2);
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->state = CONNECTING;
    if (connect(c->fd, a, length) < 0 && errno != EINPROGRESS) {
        if (c->idle) {
            fail(c, &stats.idle_refused);
            return;
        }
        fprintf(stderr, "echo_client: connect: %s\n", strerror(errno));
        fail(c, &stats.failures_connect);
        return;
    }
    watch(c, EPOLLIN | EPOLLOUT | EPOLLET, EPOLL_CTL_ADD);
}

/* Sends what is left of the current request; true while the connection lives. */
static int send_more(struct conn *c) {
    while (c->sent < opt.size) {
        ssize_t n = send(c->fd, pattern + c->offset % PATTERN + c->sent, opt.size - c->sent, 0);
        if (n > 0) {
            c->sent += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* The rest goes at the next EPOLLOUT edge. */
            c->state = SENDING;
            return 1;
        }
        fail(c, &stats.failures_io);
        return 0;
    }
    c->state = WAITING;
    return 1;
}

static void start_request(struct conn *c) {
    c->sent = 0;
    c->received = 0;
    c->started_ns = turn_ns;
    send_more(c);
}

static void record(uint64_t ns) {
    uint64_t us = ns / 1000;
    hist[us > HIST_US ? HIST_US : us]++;
    if (ns > stats.max_ns) stats.max_ns = ns;
    stats.requests++;
}

/* Reads the echo; a whole one is checked, counted (inside the window) and followed by the next request. */
static void receive(struct conn *c, uint64_t window_start, uint64_t window_end) {
    for (;;) {
        size_t want = opt.size - c->received;
        ssize_t n = recv(c->fd, readbuf, want, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n < 0) {
            fail(c, &stats.failures_io);
            return;
        }
        if (n == 0) {
            fail(c, &stats.failures_eof);
            return;
        }
        const unsigned char *expected = pattern + c->offset % PATTERN + c->received;
        if (memcmp(readbuf, expected, (size_t)n) != 0) {
            for (ssize_t i = 0; i < n; i++) {
                if (readbuf[i] == expected[i]) continue;
                if (!stats.mismatch) {
                    stats.mismatch_conn = (long)(c - conns) - opt.idle;
                    stats.mismatch_offset = c->offset + c->received + (uint64_t)i;
                    stats.mismatch_got = readbuf[i];
                    stats.mismatch_expected = expected[i];
                }
                break;
            }
            fail(c, &stats.mismatch);
            return;
        }
        c->received += (size_t)n;
        if (c->received < opt.size) continue;
        uint64_t done = turn_ns;
        stats.echoes++;
        if (c->started_ns >= window_start && done <= window_end) record(done - c->started_ns);
        c->offset += opt.size;
        /* The next echo cannot be here yet: wait for it rather than ask (level-triggered epoll says when). */
        start_request(c);
        return;
    }
}

/*
 * One epoll_wait and the events it gave: -1 on a failure of epoll itself.
 * A function of its own, called again and again, because a wasm engine
 * optimizes a function when it is called, not while it runs: V8 has no
 * on-stack replacement for wasm, so a loop that never leaves main() would
 * stay in its baseline compiler for good.
 */
__attribute__((noinline)) static int turn(struct epoll_event *events, int max, uint64_t window_start, uint64_t window_end,
                                          int *connecting) {
    int n = epoll_wait(epfd, events, max, 100);
    if (n < 0) return errno == EINTR ? 0 : -1;
    turn_ns = now_ns();
    for (int i = 0; i < n; i++) {
        struct conn *c = &conns[events[i].data.u32];
        if (c->state == FAILED) continue;
        if (c->state == CONNECTING) {
            int err = 0;
            socklen_t len = sizeof err;
            if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
            (*connecting)--;
            if (err != 0 && c->idle) {
                fail(c, &stats.idle_refused);
                continue;
            }
            if (err != 0) {
                fprintf(stderr, "echo_client: connect: %s\n", strerror(err));
                fail(c, &stats.failures_connect);
                continue;
            }
            /* The same event may say more (an end that came already): it is handled below, as edge-triggered epoll says it once. */
            if (c->idle) c->state = IDLE;
            else start_request(c);
        }
        if (c->state == IDLE) {
            /* An idle connection that has news was ended by the server (select refuses past its cap). */
            if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) fail(c, &stats.idle_refused);
            continue;
        }
        if (c->state == SENDING && (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && !send_more(c)) continue;
        if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) receive(c, window_start, window_end);
    }
    return n;
}

static double percentile(double p) {
    if (stats.requests == 0) return 0;
    uint64_t rank = (uint64_t)(p * (double)(stats.requests - 1)) + 1, seen = 0;
    for (int us = 0; us <= HIST_US; us++) {
        seen += hist[us];
        if (seen >= rank) return us;
    }
    return HIST_US;
}

int main(int argc, char **argv) {
    parse(argc, argv);
    for (size_t i = 0; i < sizeof pattern; i++) pattern[i] = (unsigned char)((i * 131 + (i >> 8) * 7 + (i >> 16) * 13) & 0xff);

    struct sockaddr_storage storage;
    memset(&storage, 0, sizeof storage);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&storage;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&storage;
    socklen_t length;
    if (inet_pton(AF_INET, opt.host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)opt.port);
        length = sizeof *v4;
    } else if (inet_pton(AF_INET6, opt.host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)opt.port);
        length = sizeof *v6;
    } else {
        usage("--host must be an IPv4 or IPv6 address");
    }

    epfd = epoll_create1(0);
    if (epfd < 0) {
        perror("echo_client: epoll_create1");
        return 2;
    }
    int total = opt.idle + opt.conns;
    struct conn *active = conns + opt.idle;
    /* The active connections first: a server with a cap (select) takes them before it refuses. */
    for (int i = 0; i < opt.conns; i++) {
        active[i].offset = (uint64_t)i * 7919;
        open_conn(&active[i], (struct sockaddr *)&storage, length);
    }
    for (int i = 0; i < opt.idle; i++) {
        conns[i].idle = 1;
        open_conn(&conns[i], (struct sockaddr *)&storage, length);
    }

    uint64_t start = now_ns();
    uint64_t connect_deadline = start + (uint64_t)(opt.connect_budget_s * 1e9);
    uint64_t window_start = 0, window_end = 0, next_progress = start;
    double cpu_start = 0;
    int in_window = 0, stopped = 0;
    int connecting = 0;
    for (int i = 0; i < total; i++) connecting += conns[i].state == CONNECTING;
    static struct epoll_event events[256];
    for (;;) {
        uint64_t now = now_ns();
        if (window_end == 0 && connecting == 0) {
            window_start = now + (uint64_t)(opt.warmup_s * 1e9);
            window_end = opt.duration_s > 0 ? window_start + (uint64_t)(opt.duration_s * 1e9) : UINT64_MAX;
        }
        turn_ns = now;
        if (window_end != 0 && !in_window && now >= window_start) {
            in_window = 1;
            cpu_start = cpu_s();
            if (opt.mark_window) fprintf(stderr, "window start\n");
        }
        if (window_end != 0 && now >= window_end) {
            if (opt.mark_window) fprintf(stderr, "window end\n");
            break;
        }
        if (window_end == 0 && now >= connect_deadline) break;
        if (opt.progress_ms > 0 && now >= next_progress) {
            next_progress = now + (uint64_t)opt.progress_ms * 1000000u;
            int held = 0;
            for (int i = 0; i < opt.idle; i++) held += conns[i].state == IDLE;
            printf("progress echoes=%llu idle=%d refused=%d failures=%d connecting=%d\n", (unsigned long long)stats.echoes, held,
                   stats.idle_refused, stats.failures_connect + stats.failures_eof + stats.failures_io + stats.mismatch, connecting);
            fflush(stdout);
        }
        if (turn(events, 256, window_start, window_end, &connecting) < 0) {
            /* The host asks the program to stop (wasi-evloop's stop notice): report and end. */
            if (errno == ECANCELED) {
                stopped = 1;
                break;
            }
            perror("echo_client: epoll_wait");
            return 2;
        }
    }
    double cpu = cpu_s();
    uint64_t end = now_ns();
    double window_s = !in_window ? 0 : (double)((end < window_end ? end : window_end) - window_start) / 1e9;
    int alive = 0;
    for (int i = 0; i < opt.conns; i++) alive += active[i].state != FAILED;
    int measured = window_end != 0 || stopped;
    int ok = measured && stats.mismatch == 0 && stats.failures_connect == 0 && stats.failures_eof == 0 && stats.failures_io == 0 &&
             (stats.requests > 0 || stopped);
    printf("{\"ok\":%s,\"mode\":\"rr\",\"conns\":%d,\"size\":%zu,\"window_s\":%.3f,\"active_open\":%d,\"active_alive\":%d,"
           "\"requests\":%llu,\"req_per_s\":%.1f,\"p50_us\":%.0f,\"p90_us\":%.0f,\"p99_us\":%.0f,\"max_us\":%.0f,"
           "\"active_failures\":{\"connect\":%d,\"eof\":%d,\"reset\":0,\"io\":%d,\"mismatch\":%d},",
           ok ? "true" : "false", opt.conns, opt.size, window_s, opt.conns - stats.failures_connect, alive,
           (unsigned long long)stats.requests, window_s > 0 ? (double)stats.requests / window_s : 0, percentile(0.5),
           percentile(0.9), percentile(0.99), (double)stats.max_ns / 1000, stats.failures_connect, stats.failures_eof,
           stats.failures_io, stats.mismatch);
    if (opt.idle > 0) printf("\"idle\":%d,\"idle_refused\":%d,", opt.idle, stats.idle_refused);
    if (stats.mismatch)
        printf("\"first_mismatch\":{\"conn\":%ld,\"offset\":%llu,\"got\":%d,\"expected\":%d},", stats.mismatch_conn,
               (unsigned long long)stats.mismatch_offset, stats.mismatch_got, stats.mismatch_expected);
    if (!measured) printf("\"error\":\"the connections were not all open within --connect-budget\",");
    if (in_window && window_s > 0 && cpu_start >= 0 && cpu >= 0) printf("\"loadgen_cpu_pct\":%.1f,", 100 * (cpu - cpu_start) / window_s);
    printf("\"warmup_s\":%.3f}\n", opt.warmup_s);
    for (int i = 0; i < total; i++)
        if (conns[i].fd >= 0) close(conns[i].fd);
    return !measured ? 2 : ok ? 0 : 1;
}
