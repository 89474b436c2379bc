/* echo.c - RFC 862 TCP echo on the ev loop: every byte back, in order, until
 * the peer closes. The same source runs natively and under WASI.
 *
 * Memory stays bounded per connection: bytes that could not be sent at once
 * wait in an output buffer; above the high-water mark (half of --max-pending)
 * we stop reading that peer, so TCP flow control slows it down. A peer that
 * stops reading entirely would hold its buffer forever, so a paused connection
 * whose output makes no progress for --stall-timeout ms is dropped, and one
 * whose pending output ever exceeds --max-pending is dropped at once. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#ifndef __wasi__
#include <netinet/in.h>
#include <netinet/tcp.h>
#endif

#include "ev.h"
#include "platform.h"

#define READ_CHUNK (64 * 1024)
#define ACCEPTS_PER_WAKEUP 64
#define LISTEN_PAUSE_MS 100

typedef struct conn {
    int fd;
    char *out;              /* pending output: out[start, start+len) */
    size_t start, len, cap;
    int read_closed;        /* peer sent FIN: flush, then close */
    int paused;             /* not reading: pending output above high water */
    int64_t last_progress;  /* when output last moved (ms, monotonic) */
    struct conn *prev, *next;
} conn;

static struct {
    long max_conns;
    size_t max_pending;
    size_t high_water;
    long stall_ms;
    int verbose;
} opt = {65536, 1024 * 1024, 512 * 1024, 30000, 0};

static struct {
    unsigned long long accepted, refused, closed, dropped, bytes_in, bytes_out;
} stats;

static conn *conns;         /* every open connection, for shutdown and sweeps */
static long nconns;
static int listeners[PLATFORM_MAX_LISTENERS];
static int nlisteners;
static int sweep_armed;
static int listen_paused;
static char readbuf[READ_CHUNK];

static void logv(const char *fmt, ...) {
    if (!opt.verbose) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void conn_close(ev_loop *loop, conn *c, const char *why) {
    ev_del(loop, c->fd, EV_READABLE | EV_WRITABLE);
    close(c->fd);
    if (c->prev) c->prev->next = c->next; else conns = c->next;
    if (c->next) c->next->prev = c->prev;
    nconns--;
    stats.closed++;
    logv("connection fd=%d closed (%s)", c->fd, why);
    free(c->out);
    free(c);
}

static void conn_drop(ev_loop *loop, conn *c, const char *why) {
    stats.dropped++;
    conn_close(loop, c, why);
}

static void sweep_stalled(ev_loop *loop, void *unused);

static void arm_sweep(ev_loop *loop) {
    if (sweep_armed || opt.stall_ms <= 0) return;
    long every = opt.stall_ms / 4 > 10 ? opt.stall_ms / 4 : 10;
    if (ev_timer_add(loop, every, sweep_stalled, NULL) >= 0) sweep_armed = 1;
}

static void sweep_stalled(ev_loop *loop, void *unused) {
    (void)unused;
    sweep_armed = 0;
    int64_t now = ev_now(loop);
    int any_paused = 0;
    for (conn *c = conns, *next; c; c = next) {
        next = c->next;
        if (!c->paused) continue;
        if (now - c->last_progress >= opt.stall_ms) conn_drop(loop, c, "peer stopped reading");
        else any_paused = 1;
    }
    if (any_paused) arm_sweep(loop);
}

/* Appends to the output buffer, keeping it compact; 0 or -ENOMEM. */
static int out_append(conn *c, const char *data, size_t n) {
    if (c->start + c->len + n > c->cap) {
        if (c->start) {
            memmove(c->out, c->out + c->start, c->len);
            c->start = 0;
        }
        if (c->len + n > c->cap) {
            size_t cap = c->cap ? c->cap : 16 * 1024;
            while (cap < c->len + n) cap *= 2;
            char *out = realloc(c->out, cap);
            if (!out) return -ENOMEM;
            c->out = out;
            c->cap = cap;
        }
    }
    memcpy(c->out + c->start + c->len, data, n);
    c->len += n;
    return 0;
}

/* Sends as much as the socket takes; returns bytes sent or -errno. */
static long send_some(ev_loop *loop, conn *c, const char *data, size_t n) {
    size_t done = 0;
    while (done < n) {
        ssize_t w = send(c->fd, data + done, n - done, 0);
        if (w > 0) {
            done += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        return w < 0 ? -errno : -EIO;
    }
    if (done) {
        stats.bytes_out += done;
        c->last_progress = ev_now(loop);
        logv("fd=%d: sent %zu bytes", c->fd, done);
    }
    return (long)done;
}

static void conn_writable(ev_loop *loop, int fd, void *data, int mask);

/* After output changed: keep WRITABLE iff something is pending, and pause or
 * resume reading around the high-water mark. Returns -1 if c was closed. */
static int conn_update(ev_loop *loop, conn *c) {
    if (c->len > opt.max_pending) {
        conn_drop(loop, c, "pending output over --max-pending");
        return -1;
    }
    if (c->len == 0) {
        c->start = 0;
        /* Idle connections hold no buffer: 10k idle peers cost no memory. */
        free(c->out);
        c->out = NULL;
        c->cap = 0;
        ev_del(loop, c->fd, EV_WRITABLE);
        if (c->read_closed) {
            conn_close(loop, c, "peer closed");
            return -1;
        }
    } else if (!(ev_mask(loop, c->fd) & EV_WRITABLE)) {
        if (ev_add(loop, c->fd, EV_WRITABLE, conn_writable, c) != 0) {
            conn_close(loop, c, "cannot watch for writability");
            return -1;
        }
    }
    if (!c->paused && !c->read_closed && c->len > opt.high_water) {
        c->paused = 1;
        ev_del(loop, c->fd, EV_READABLE);
        arm_sweep(loop);
    }
    return 0;
}

static void conn_readable(ev_loop *loop, int fd, void *data, int mask);

static void conn_writable(ev_loop *loop, int fd, void *data, int mask) {
    (void)fd; (void)mask;
    conn *c = data;
    long w = send_some(loop, c, c->out + c->start, c->len);
    if (w < 0) {
        conn_close(loop, c, strerror((int)-w));
        return;
    }
    c->start += (size_t)w;
    c->len -= (size_t)w;
    if (conn_update(loop, c) < 0) return;
    if (c->paused && c->len <= opt.high_water / 2) {
        c->paused = 0;
        if (ev_add(loop, c->fd, EV_READABLE, conn_readable, c) != 0)
            conn_close(loop, c, "cannot watch for readability");
    }
}

static void conn_readable(ev_loop *loop, int fd, void *data, int mask) {
    (void)mask;
    conn *c = data;
    /* One read per wakeup: the loop is level-triggered, so a busy peer is
     * served again next round and cannot starve the others. */
    ssize_t n = recv(fd, readbuf, sizeof(readbuf), 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        conn_close(loop, c, strerror(errno));
        return;
    }
    if (n == 0) {
        c->read_closed = 1;
        ev_del(loop, fd, EV_READABLE);
        conn_update(loop, c);
        return;
    }
    stats.bytes_in += (size_t)n;
    logv("fd=%d: received %zd bytes", fd, n);
    size_t sent = 0;
    if (c->len == 0) { /* nothing queued ahead: echo straight from readbuf */
        long w = send_some(loop, c, readbuf, (size_t)n);
        if (w < 0) {
            conn_close(loop, c, strerror((int)-w));
            return;
        }
        sent = (size_t)w;
    }
    if (sent < (size_t)n && out_append(c, readbuf + sent, (size_t)n - sent) != 0) {
        conn_drop(loop, c, "out of memory");
        return;
    }
    conn_update(loop, c);
}

static void refuse(int fd, const char *why) {
    stats.refused++;
    logv("refused connection fd=%d (%s)", fd, why);
    close(fd);
}

static void listener_readable(ev_loop *loop, int lfd, void *data, int mask);

static void resume_listeners(ev_loop *loop, void *unused) {
    (void)unused;
    listen_paused = 0;
    for (int i = 0; i < nlisteners; i++)
        ev_add(loop, listeners[i], EV_READABLE, listener_readable, NULL);
}

/* Out of fds: stop watching the listeners for a moment instead of spinning on
 * a level-triggered accept that keeps failing. Served peers are unaffected. */
static void pause_listeners(ev_loop *loop, int err) {
    if (listen_paused) return;
    logv("accept: %s; not accepting for %d ms", strerror(err), LISTEN_PAUSE_MS);
    for (int i = 0; i < nlisteners; i++) ev_del(loop, listeners[i], EV_READABLE);
    if (ev_timer_add(loop, LISTEN_PAUSE_MS, resume_listeners, NULL) >= 0) listen_paused = 1;
    else resume_listeners(loop, NULL);
}

static void listener_readable(ev_loop *loop, int lfd, void *data, int mask) {
    (void)data;
    for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
        /* A real address and length, never NULL: the wasi-libc we build with
         * (fixed upstream since) writes the peer address through them even when
         * they are NULL, i.e. to address 0 of our memory. */
        struct sockaddr_storage peer;
        socklen_t peerlen = sizeof(peer);
        int fd = accept4(lfd, (struct sockaddr *)&peer, &peerlen, SOCK_NONBLOCK);
        if (fd < 0) {
            int err = errno;
            if (err == EINTR || err == ECONNABORTED) continue;
            if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
                pause_listeners(loop, err);
                return;
            }
            if ((err == EAGAIN || err == EWOULDBLOCK) && !(mask & EV_HANGUP)) return;
            /* The listener itself failed or was shut down (under WASI this is
             * how the host asks us to stop): end the loop cleanly. */
            if (err == EAGAIN || err == EWOULDBLOCK || err == ECANCELED)
                fprintf(stderr, "listener fd=%d closed by the host; stopping\n", lfd);
            else
                fprintf(stderr, "listener fd=%d: %s; stopping\n", lfd, strerror(err));
            ev_stop(loop);
            return;
        }
        if (nconns >= opt.max_conns) {
            refuse(fd, "--max-conns reached");
            continue;
        }
        conn *c = calloc(1, sizeof(*c));
        if (!c) {
            refuse(fd, "out of memory");
            continue;
        }
        c->fd = fd;
        c->last_progress = ev_now(loop);
        int rc = ev_add(loop, fd, EV_READABLE, conn_readable, c);
        if (rc != 0) {
            free(c);
            refuse(fd, rc == -ERANGE ? "backend at capacity (FD_SETSIZE)" : strerror(-rc));
            continue;
        }
#ifndef __wasi__
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
#endif
        c->next = conns;
        if (conns) conns->prev = c;
        conns = c;
        nconns++;
        stats.accepted++;
        logv("new connection fd=%d", fd);
    }
}

static long parse_long(const char *name, const char *s, long min, long max) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        fprintf(stderr, "%s: expected a whole number from %ld to %ld, got \"%s\"\n", name, min, max, s);
        exit(2);
    }
    return (long)v;
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: echo-%s %s[--max-conns N] [--max-pending BYTES] [--stall-timeout MS] [--verbose]\n"
            "  TCP echo server (RFC 862) on the %s backend.\n"
            "%s"
            "  --max-conns N        refuse connections beyond N open ones (default 65536)\n"
            "  --max-pending BYTES  drop a peer whose unsent output passes BYTES (default 1048576);\n"
            "                       reading pauses at half of it\n"
            "  --stall-timeout MS   drop a paused peer whose output has not moved for MS (default 30000, 0 = never)\n"
            "  --verbose            log connections and bytes on stderr\n",
            ev_backend_name(), platform_has_listen() ? "--listen HOST:PORT... " : "",
            ev_backend_name(),
            platform_has_listen() ? "  --listen HOST:PORT   address to serve (repeatable)\n"
                                  : "  Listening sockets are passed by the host as fd 3, 4, ...\n");
}

int main(int argc, char **argv) {
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"max-conns", required_argument, NULL, 'c'},
        {"max-pending", required_argument, NULL, 'p'},
        {"stall-timeout", required_argument, NULL, 's'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char *addrs[PLATFORM_MAX_LISTENERS];
    int naddrs = 0;
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'l':
            if (naddrs == PLATFORM_MAX_LISTENERS) {
                fprintf(stderr, "at most %d --listen addresses\n", PLATFORM_MAX_LISTENERS);
                return 2;
            }
            addrs[naddrs++] = optarg;
            break;
        case 'c': opt.max_conns = parse_long("--max-conns", optarg, 1, 1000000); break;
        case 'p': opt.max_pending = (size_t)parse_long("--max-pending", optarg, 1024, 1L << 30); break;
        case 's': opt.stall_ms = parse_long("--stall-timeout", optarg, 0, 86400000); break;
        case 'v': opt.verbose = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "unknown or incomplete option \"%s\"\n", argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    opt.high_water = opt.max_pending / 2;

    nlisteners = platform_listeners(addrs, naddrs, listeners, PLATFORM_MAX_LISTENERS);
    if (nlisteners < 0) return 2;

    ev_loop *loop = ev_create(1024);
    if (!loop) {
        fprintf(stderr, "cannot create the %s event loop: %s\n", ev_backend_name(), strerror(errno));
        return 1;
    }
    platform_setup(loop, opt.max_conns + 64);
    for (int i = 0; i < nlisteners; i++) {
        int rc = ev_add(loop, listeners[i], EV_READABLE, listener_readable, NULL);
        if (rc != 0) {
            fprintf(stderr, "cannot watch listener fd=%d: %s\n", listeners[i], strerror(-rc));
            return 1;
        }
    }

    int rc = ev_run(loop);
    if (rc == EV_STOPPED_BY_HOST) fprintf(stderr, "wait cancelled by the host; stopping\n");
    else if (rc < 0) fprintf(stderr, "%s failed: %s\n", ev_backend_name(), strerror(-rc));

    while (conns) conn_close(loop, conns, "server stopping");
    for (int i = 0; i < nlisteners; i++) {
        ev_del(loop, listeners[i], EV_READABLE);
        close(listeners[i]);
    }
    ev_free(loop);
    fprintf(stderr, "stats: accepted=%llu refused=%llu closed=%llu bytes_in=%llu bytes_out=%llu dropped=%llu\n",
            stats.accepted, stats.refused, stats.closed, stats.bytes_in, stats.bytes_out, stats.dropped);
    return rc < 0 ? 1 : 0;
}
