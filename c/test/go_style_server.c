/* go_style_server.c - a test fixture for `wasi-evloop run`: a server that
 * treats its listener the way Go's runtime does on wasip1 (a net/http server
 * on net.FileListener(os.NewFile(3, "listener")), drained by
 * http.Server.Shutdown when the listener goes away):
 *
 * - fd 3 is polled only if fd_fdstat_get already reports NONBLOCK. Go's
 *   os.NewFile never sets the flag; on a blocking listener Go would block its
 *   only thread in accept and serve nothing. This fixture says so on stderr
 *   and exits 1 instead.
 * - Every wait is one poll_oneoff over the descriptors something waits on,
 *   plus a clock for the earliest timer. Any error of poll_oneoff itself is
 *   fatal, as in Go's netpoller and usleep: "fatal error: poll_oneoff failed",
 *   exit 2.
 * - A request is a line; its handler takes DELAY_MS (a timer, not a busy
 *   wait), then the answer is "done " and the line. One request at a time per
 *   connection, as HTTP/1.1 without pipelining.
 * - When the listener hangs up (or accept fails with anything but EAGAIN),
 *   it stops accepting and drains as Shutdown does: idle connections are
 *   closed at once, each request in flight is answered and then its
 *   connection closed; then it prints "drained N requests in flight" and
 *   exits 0.
 *
 * usage: go_style_server [DELAY_MS]   (default 300). Logs one stderr line
 * per request received ("fd N: request"), so that a test knows it is in flight. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wasi/api.h>

#define LISTENER 3
#define MAX_CONNS 64
#define LINE_BYTES 1024
#define NO_CONN ((__wasi_userdata_t)-1)
#define TIMER ((__wasi_userdata_t)-2)

typedef struct {
    int fd; /* -1: a free slot */
    char in[LINE_BYTES];
    size_t inlen;
    char out[LINE_BYTES + 8];
    size_t outlen, outat;
    /* When the request in flight is answered; 0: none in flight. */
    __wasi_timestamp_t due;
} conn;

static conn conns[MAX_CONNS];
static int listening = 1;
static long delay_ns;
static unsigned long in_flight_at_hangup, drained;

static __wasi_timestamp_t now_ns(void) {
    __wasi_timestamp_t t = 0;
    if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t) != 0) {
        fprintf(stderr, "fatal error: clock_time_get failed\n");
        exit(2);
    }
    return t;
}

static void conn_close(conn *c) {
    close(c->fd);
    c->fd = -1;
}

/* A whole line in c->in: its handler starts (answered when due). */
static void take_request(conn *c) {
    if (c->due || !memchr(c->in, '\n', c->inlen)) return;
    c->due = now_ns() + (__wasi_timestamp_t)delay_ns;
    fprintf(stderr, "fd %d: request\n", c->fd);
}

static void flush(conn *c) {
    while (c->outat < c->outlen) {
        ssize_t n = send(c->fd, c->out + c->outat, c->outlen - c->outat, 0);
        if (n < 0) {
            if (errno == EAGAIN) return;
            conn_close(c);
            return;
        }
        c->outat += (size_t)n;
    }
    c->outat = c->outlen = 0;
    /* Shutdown closes a connection once its request is answered. */
    if (!listening) conn_close(c);
}

static void answer(conn *c) {
    char *nl = memchr(c->in, '\n', c->inlen);
    size_t len = (size_t)(nl - c->in) + 1;
    memcpy(c->out, "done ", 5);
    memcpy(c->out + 5, c->in, len);
    c->outlen = 5 + len;
    c->outat = 0;
    memmove(c->in, c->in + len, c->inlen - len);
    c->inlen -= len;
    c->due = 0;
    if (!listening) drained++;
    flush(c);
    if (c->fd >= 0) take_request(c);
}

static void readable(conn *c) {
    if (c->inlen == sizeof c->in) {
        /* A line longer than the buffer: not a request this server takes. */
        conn_close(c);
        return;
    }
    ssize_t n = recv(c->fd, c->in + c->inlen, sizeof c->in - c->inlen, 0);
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
        /* Read only while nothing is in flight: the peer is done, and so are we. */
        conn_close(c);
        return;
    }
    c->inlen += (size_t)n;
    take_request(c);
}

static void stop_listening(const char *why) {
    listening = 0;
    close(LISTENER);
    for (int i = 0; i < MAX_CONNS; i++) {
        conn *c = &conns[i];
        if (c->fd < 0) continue;
        if (c->due || c->outlen) in_flight_at_hangup++;
        else conn_close(c);
    }
    fprintf(stderr, "listener: %s; draining %lu requests in flight\n", why, in_flight_at_hangup);
}

static void accept_all(void) {
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t peerlen = sizeof(peer);
        int fd = accept4(LISTENER, (struct sockaddr *)&peer, &peerlen, SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EAGAIN) return;
            if (errno == EINTR || errno == ECONNABORTED) continue;
            stop_listening(strerror(errno));
            return;
        }
        conn *c = NULL;
        for (int i = 0; i < MAX_CONNS && !c; i++)
            if (conns[i].fd < 0) c = &conns[i];
        if (!c) {
            close(fd);
            continue;
        }
        memset(c, 0, sizeof *c);
        c->fd = fd;
    }
}

int main(int argc, char **argv) {
    delay_ns = (argc > 1 ? strtol(argv[1], NULL, 10) : 300) * 1000000L;
    __wasi_fdstat_t st;
    if (__wasi_fd_fdstat_get(LISTENER, &st) != 0 || st.fs_filetype != __WASI_FILETYPE_SOCKET_STREAM) {
        fprintf(stderr, "no listening socket at fd 3\n");
        return 1;
    }
    if (!(st.fs_flags & __WASI_FDFLAGS_NONBLOCK)) {
        fprintf(stderr, "fd 3 is not nonblocking: Go would not poll it (it would block in accept and serve nothing)\n");
        return 1;
    }
    for (int i = 0; i < MAX_CONNS; i++) conns[i].fd = -1;

    static __wasi_subscription_t subs[MAX_CONNS + 2];
    static __wasi_event_t events[MAX_CONNS + 2];
    for (;;) {
        __wasi_size_t n = 0;
        int open = 0;
        __wasi_timestamp_t earliest = 0;
        if (listening) {
            subs[n] = (__wasi_subscription_t){ .userdata = NO_CONN, .u.tag = __WASI_EVENTTYPE_FD_READ };
            subs[n++].u.u.fd_read.file_descriptor = LISTENER;
        }
        for (int i = 0; i < MAX_CONNS; i++) {
            conn *c = &conns[i];
            if (c->fd < 0) continue;
            open++;
            if (c->outlen) {
                subs[n] = (__wasi_subscription_t){ .userdata = (__wasi_userdata_t)i, .u.tag = __WASI_EVENTTYPE_FD_WRITE };
                subs[n++].u.u.fd_write.file_descriptor = (__wasi_fd_t)c->fd;
            } else if (c->due) {
                if (!earliest || c->due < earliest) earliest = c->due;
            } else {
                subs[n] = (__wasi_subscription_t){ .userdata = (__wasi_userdata_t)i, .u.tag = __WASI_EVENTTYPE_FD_READ };
                subs[n++].u.u.fd_read.file_descriptor = (__wasi_fd_t)c->fd;
            }
        }
        if (!listening && open == 0) break;
        if (earliest) {
            __wasi_timestamp_t now = now_ns();
            subs[n] = (__wasi_subscription_t){ .userdata = TIMER, .u.tag = __WASI_EVENTTYPE_CLOCK };
            subs[n].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
            subs[n++].u.u.clock.timeout = earliest > now ? earliest - now : 0;
        }
        __wasi_size_t nevents = 0;
        if (__wasi_poll_oneoff(subs, events, n, &nevents) != 0) {
            fprintf(stderr, "fatal error: poll_oneoff failed\n");
            return 2;
        }
        for (__wasi_size_t e = 0; e < nevents; e++) {
            __wasi_event_t *ev = &events[e];
            if (ev->userdata == TIMER) continue;
            if (ev->userdata == NO_CONN) {
                if (!listening) continue;
                if (ev->error || (ev->fd_readwrite.flags & __WASI_EVENTRWFLAGS_FD_READWRITE_HANGUP)) stop_listening("hung up");
                else accept_all();
                continue;
            }
            conn *c = &conns[ev->userdata];
            if (c->fd < 0) continue;
            if (ev->type == __WASI_EVENTTYPE_FD_WRITE) flush(c);
            else readable(c);
        }
        __wasi_timestamp_t now = now_ns();
        for (int i = 0; i < MAX_CONNS; i++)
            if (conns[i].fd >= 0 && conns[i].due && conns[i].due <= now) answer(&conns[i]);
    }
    fprintf(stderr, "drained %lu requests in flight\n", drained);
    return 0;
}
