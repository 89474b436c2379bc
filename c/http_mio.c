/* http_mio.c - an HTTP/1.1 keep-alive "hello world" server written the way
 * third-party programs run under WASI: the benchmark's real program.
 *
 * It waits the way mio's WASI selector (tokio, hyper) does: one poll() over
 * every socket on every turn, each connection subscribed for reading AND
 * writing whether or not it has anything to write, the listeners for reading.
 * Under wasi-libc, poll() is one poll_oneoff with an FD_READ and an FD_WRITE
 * subscription per connection; natively it is poll(2) over the same fds.
 * Writability is level-triggered, so every poll with a connection open
 * returns at once: the loop turns busily even when every peer is idle, as a
 * tokio server does on wasmtime. That is the pattern's cost, not a bug here.
 * Between two polls it serves as tokio's scheduler does: a connection made
 * ready by a poll (readable, or writable with output waiting) is a task in a
 * run queue, and at most EVENT_INTERVAL tasks run before the next poll (with
 * a zero timeout while tasks are left), so with many busy connections the
 * program polls every connection once per EVENT_INTERVAL requests or so.
 *
 * HTTP: request line and headers parsed and checked, Content-Length bodies
 * read and discarded, pipelined requests answered in order, `Connection:
 * close` (and HTTP/1.0 without keep-alive) honoured, `Expect: 100-continue`
 * answered. Every request gets the same small response, as hyper's hello
 * world does (no Date header, so that a client can check every byte). A
 * request that is not HTTP gets 400 and the connection is closed; chunked
 * bodies get 501.
 *
 * Under WASI the listeners are the sockets the host passes at fd 3, 4, ...
 * (`wasi-evloop run --tcplisten HOST:PORT`); natively, --listen HOST:PORT.
 * It stops as a tokio server does when its listener goes away: the host
 * hangs the listener up (or a native SIGINT/SIGTERM), the server accepts no
 * more and reads no new request, sends each peer the responses it owes and
 * its FIN, closes each connection once the peer has closed its side (for at
 * most STOP_LINGER_MS), and exits 0 after one stats line on stderr. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifndef __wasi__
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#endif

#include "platform.h"

/* The request head (line + headers) must fit: beyond it, 431. */
#define HEAD_MAX 8192
#define HEADERS_MAX 100
/* Stop reading a connection while this much output waits: a pipelining peer
 * that does not read its responses cannot make us buffer without bound. */
#define OUT_HIGH_WATER (64 * 1024)
#define ACCEPTS_PER_POLL 64
/* Tasks run between two polls of the I/O driver: tokio's event_interval default. */
#define EVENT_INTERVAL 61
/* After a stop, how long the peers have to take what they are owed and close
 * their side (a lingering close, bounded as web servers bound it). Closing a
 * socket with unread input resets it, and a reset destroys the responses still
 * in flight: a pipelining peer would lose answers the server counted. */
#define STOP_LINGER_MS 1000

static const char RESPONSE_HEAD[] =
    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 13\r\n";
static const char BODY[] = "Hello, World!";
static const char CONTINUE[] = "HTTP/1.1 100 Continue\r\n\r\n";

typedef struct conn {
    int fd;
    char in[HEAD_MAX];
    size_t in_len;
    uint64_t body_left;     /* body bytes of the current request still to discard */
    int head_done;          /* the current request's head is parsed, its body is being read */
    int head_only;          /* HEAD: answer without a body */
    int keep_alive;         /* after this response, read the next request */
    int http10;             /* an HTTP/1.0 peer: keep-alive only when it asked, and said so */
    char *out;              /* pending output: out[out_start, out_start + out_len) */
    size_t out_start, out_len, out_cap;
    int last_response;      /* no request after the one being answered: close once flushed */
    int write_shut;         /* FIN sent; reading only to see the peer's, then close */
    size_t slot;            /* its index in conns[] (and pfds[nfixed + slot]) */
    short ready;            /* poll events seen since its task last ran */
    int queued;             /* in the run queue */
} conn;

/* pfds[0, nlisteners) are the listeners, natively pfds[nlisteners] is the
 * stop pipe's read end, and pfds[nfixed + i] is conns[i]. */
static struct pollfd *pfds;
static conn **conns;
static size_t nconns, cap;
/* The run queue, a ring of cap slots: the connections whose task is due. */
static conn **runq;
static size_t rq_head, rq_len;
static int listeners[PLATFORM_MAX_LISTENERS];
static int nlisteners, nfixed;
static int stopping;
static long long stop_deadline_ms;
#ifndef __wasi__
/* SIGINT/SIGTERM write a byte here (the self-pipe trick, as tokio's signal
 * handling does): the wait wakes even when the signal came while a turn was
 * being served. WASI has no signals: the host hangs the listener up instead. */
static int stop_pipe[2] = { -1, -1 };
#endif

static struct {
    unsigned long long polls, accepted, requests, bad, closed;
} stats;

/* ---------- connections ---------- */

static int conn_add(int fd) {
    if (nconns == cap) {
        size_t ncap = cap ? cap * 2 : 64;
        struct pollfd *np = realloc(pfds, ((size_t)nfixed + ncap) * sizeof *np);
        if (!np) return -1;
        pfds = np;
        conn **nc = realloc(conns, ncap * sizeof *nc);
        if (!nc) return -1;
        conns = nc;
        conn **nq = malloc(ncap * sizeof *nq);
        if (!nq) return -1;
        for (size_t k = 0; k < rq_len; k++) nq[k] = runq[(rq_head + k) % cap];
        free(runq);
        runq = nq;
        rq_head = 0;
        cap = ncap;
    }
    conn *c = calloc(1, sizeof *c);
    if (!c) return -1;
    c->fd = fd;
    c->slot = nconns;
    conns[nconns] = c;
    /* The mio pattern: both interests, always, whatever the connection is doing. */
    pfds[nfixed + nconns] = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
    nconns++;
    return 0;
}

static void enqueue(conn *c) {
    if (c->queued) return;
    c->queued = 1;
    runq[(rq_head + rq_len++) % cap] = c;
}

static conn *dequeue(void) {
    conn *c = runq[rq_head];
    rq_head = (rq_head + 1) % cap;
    rq_len--;
    c->queued = 0;
    return c;
}

/* Removes c; the last connection takes its slot. */
static void conn_close(conn *c) {
    if (c->queued) {
        /* Rare (a stop, a peer gone while its task waits): keep the queue's order. */
        size_t k = 0;
        while (runq[(rq_head + k) % cap] != c) k++;
        for (; k + 1 < rq_len; k++) runq[(rq_head + k) % cap] = runq[(rq_head + k + 1) % cap];
        rq_len--;
    }
    size_t i = c->slot;
    close(c->fd);
    free(c->out);
    free(c);
    nconns--;
    if (i != nconns) {
        conns[i] = conns[nconns];
        conns[i]->slot = i;
        pfds[nfixed + i] = pfds[nfixed + nconns];
    }
    stats.closed++;
}

static int out_append(conn *c, const char *data, size_t n) {
    if (c->out_start + c->out_len + n > c->out_cap) {
        if (c->out_start) {
            memmove(c->out, c->out + c->out_start, c->out_len);
            c->out_start = 0;
        }
        if (c->out_len + n > c->out_cap) {
            size_t ncap = c->out_cap ? c->out_cap : 1024;
            while (ncap < c->out_len + n) ncap *= 2;
            char *o = realloc(c->out, ncap);
            if (!o) return -1;
            c->out = o;
            c->out_cap = ncap;
        }
    }
    memcpy(c->out + c->out_start + c->out_len, data, n);
    c->out_len += n;
    return 0;
}

/* Sends what the socket takes; 0, or -1 when the connection failed. */
static int conn_flush(conn *c) {
    while (c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_start, c->out_len, 0);
        if (w > 0) {
            c->out_start += (size_t)w;
            c->out_len -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        return -1;
    }
    c->out_start = 0;
    /* The last response is out: say so with a FIN and wait for the peer's, so
     * that closing cannot reset a response the peer has not read yet. */
    if (c->last_response && !c->write_shut) {
        shutdown(c->fd, SHUT_WR);
        c->write_shut = 1;
    }
    return 0;
}

/* ---------- HTTP ---------- */

static int is_tchar(unsigned char ch) {
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) return 1;
    return ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

/* A header value's characters: visible, space, tab, obs-text; never CR, LF, NUL. */
static int is_field_char(unsigned char ch) { return ch == '\t' || (ch >= 0x20 && ch != 0x7f); }

/* Case-insensitive: does the comma-separated list hold `token`? */
static int list_has(const char *v, size_t n, const char *token) {
    size_t tl = strlen(token);
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) i++;
        size_t start = i;
        while (i < n && v[i] != ',') i++;
        size_t end = i;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t')) end--;
        if (end - start == tl && strncasecmp(v + start, token, tl) == 0) return 1;
    }
    return 0;
}

enum verdict { REQ_OK, REQ_BAD, REQ_TOO_LARGE, REQ_CHUNKED };

/* Parses the head in c->in[0, len) (it ends with CRLF CRLF) into c's state. */
static enum verdict parse_head(conn *c, const char *p, size_t len, int *expect_continue) {
    const char *end = p + len;
    /* method SP request-target SP HTTP/1.x CRLF */
    const char *m = p;
    while (p < end && is_tchar((unsigned char)*p)) p++;
    if (p == m || p >= end || *p != ' ') return REQ_BAD;
    size_t mlen = (size_t)(p - m);
    const char *t = ++p;
    while (p < end && (unsigned char)*p > 0x20 && *p != 0x7f) p++;
    if (p == t || p >= end || *p != ' ') return REQ_BAD;
    p++;
    if (end - p < 10 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != '\r' || p[9] != '\n')
        return REQ_BAD;
    int http11 = p[7] == '1';
    p += 10;

    int conn_close_asked = 0, conn_keep_alive_asked = 0, has_host = 0, has_length = 0, has_te = 0, headers = 0;
    uint64_t length = 0;
    *expect_continue = 0;
    for (;;) {
        if (end - p < 2) return REQ_BAD;
        if (p[0] == '\r' && p[1] == '\n') break;
        if (++headers > HEADERS_MAX) return REQ_TOO_LARGE;
        const char *name = p;
        while (p < end && is_tchar((unsigned char)*p)) p++;
        /* An empty name, space before the colon or a folded line: not HTTP/1.1. */
        if (p == name || p >= end || *p != ':') return REQ_BAD;
        size_t nlen = (size_t)(p - name);
        p++;
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        const char *v = p;
        while (p < end && is_field_char((unsigned char)*p)) p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') return REQ_BAD;
        const char *vend = p;
        while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t')) vend--;
        size_t vlen = (size_t)(vend - v);
        p += 2;
        if (nlen == 14 && strncasecmp(name, "content-length", 14) == 0) {
            if (vlen == 0 || vlen > 15) return REQ_BAD;
            uint64_t n = 0;
            for (size_t i = 0; i < vlen; i++) {
                if (v[i] < '0' || v[i] > '9') return REQ_BAD;
                n = n * 10 + (uint64_t)(v[i] - '0');
            }
            if (has_length && n != length) return REQ_BAD;
            has_length = 1;
            length = n;
        } else if (nlen == 17 && strncasecmp(name, "transfer-encoding", 17) == 0) {
            has_te = 1;
        } else if (nlen == 10 && strncasecmp(name, "connection", 10) == 0) {
            conn_close_asked |= list_has(v, vlen, "close");
            conn_keep_alive_asked |= list_has(v, vlen, "keep-alive");
        } else if (nlen == 4 && strncasecmp(name, "host", 4) == 0) {
            has_host++;
        } else if (nlen == 6 && strncasecmp(name, "expect", 6) == 0) {
            if (vlen == 12 && strncasecmp(v, "100-continue", 12) == 0) *expect_continue = 1;
        }
    }
    /* RFC 9112: a length and a transfer coding together is how requests get
     * smuggled; an HTTP/1.1 request names exactly one host. */
    if (has_te && has_length) return REQ_BAD;
    if (http11 && has_host != 1) return REQ_BAD;
    if (has_te) return REQ_CHUNKED;
    c->head_only = mlen == 4 && memcmp(m, "HEAD", 4) == 0;
    c->keep_alive = http11 ? !conn_close_asked : conn_keep_alive_asked && !conn_close_asked;
    c->http10 = !http11;
    c->body_left = length;
    if (!http11) *expect_continue = 0;
    return REQ_OK;
}

/* Garbage (a TLS hello, a binary protocol) gets its 400 at once, not after
 * HEAD_MAX bytes: the start of a head must look like "TOKEN SP ...". */
static int cannot_be_request_line(const char *p, size_t n) {
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)p[i])) i++;
    if (i < n && (i == 0 || p[i] != ' ')) return 1;
    for (; i < n && p[i] != '\n'; i++)
        if ((unsigned char)p[i] < 0x20 && !(p[i] == '\r' && (i + 1 == n || p[i + 1] == '\n'))) return 1;
    return 0;
}

/* Queues the response to the request whose body was just read. */
static int respond(conn *c) {
    stats.requests++;
    const char *connection = !c->keep_alive ? "connection: close\r\n" : c->http10 ? "connection: keep-alive\r\n" : "";
    if (out_append(c, RESPONSE_HEAD, sizeof RESPONSE_HEAD - 1) != 0 ||
        out_append(c, connection, strlen(connection)) != 0 || out_append(c, "\r\n", 2) != 0 ||
        (!c->head_only && out_append(c, BODY, sizeof BODY - 1) != 0))
        return -1;
    c->head_done = 0;
    if (!c->keep_alive) c->last_response = 1;
    return 0;
}

/* An error response, then no more requests on this connection. */
static int refuse(conn *c, const char *status) {
    stats.bad++;
    char head[128];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %s\r\ncontent-length: 0\r\nconnection: close\r\n\r\n", status);
    c->last_response = 1;
    c->in_len = 0;
    return out_append(c, head, (size_t)n);
}

/* Answers every complete request in the input, in order; -1 on out of memory. */
static int handle_input(conn *c) {
    size_t at = 0;
    while (!c->last_response) {
        if (c->head_done) {
            size_t avail = c->in_len - at;
            size_t take = c->body_left < avail ? (size_t)c->body_left : avail;
            at += take;
            c->body_left -= take;
            if (c->body_left) break;
            /* One buffer of pipelined requests makes a bounded amount of
             * output (HEAD_MAX / the shortest request × one response), and
             * conn_read stops reading above OUT_HIGH_WATER: no limit needed here. */
            if (respond(c) != 0) return -1;
            continue;
        }
        /* RFC 9112 2.2: empty lines before a request line are ignored. */
        while (c->in_len - at >= 2 && c->in[at] == '\r' && c->in[at + 1] == '\n') at += 2;
        const char *head = c->in + at;
        size_t avail = c->in_len - at;
        const char *eoh = NULL;
        for (size_t i = 3; i < avail; i++) {
            if (head[i] == '\n' && head[i - 1] == '\r' && head[i - 2] == '\n' && head[i - 3] == '\r') {
                eoh = head + i + 1;
                break;
            }
        }
        if (!eoh) {
            if (cannot_be_request_line(head, avail)) return refuse(c, "400 Bad Request");
            if (avail == sizeof c->in) return refuse(c, "431 Request Header Fields Too Large");
            break;
        }
        int expect_continue;
        enum verdict v = parse_head(c, head, (size_t)(eoh - head), &expect_continue);
        if (v == REQ_BAD) return refuse(c, "400 Bad Request");
        if (v == REQ_TOO_LARGE) return refuse(c, "431 Request Header Fields Too Large");
        if (v == REQ_CHUNKED) return refuse(c, "501 Not Implemented");
        at = (size_t)(eoh - c->in);
        c->head_done = 1;
        if (expect_continue && c->body_left > c->in_len - at && out_append(c, CONTINUE, sizeof CONTINUE - 1) != 0)
            return -1;
    }
    if (c->last_response) {
        c->in_len = 0;
        return 0;
    }
    memmove(c->in, c->in + at, c->in_len - at);
    c->in_len -= at;
    return 0;
}

/* Reads until the socket has nothing more (as tokio does before it waits
 * again), answering as requests complete. Returns -1 to close the connection. */
static int conn_read(conn *c) {
    for (;;) {
        if (c->out_len > OUT_HIGH_WATER) return 0;
        char discard[4096];
        /* After the last response only the peer's FIN matters. */
        char *into = c->last_response ? discard : c->in + c->in_len;
        size_t room = c->last_response ? sizeof discard : sizeof c->in - c->in_len;
        ssize_t n = recv(c->fd, into, room, 0);
        if (n == 0) {
            /* The peer is done sending: answer what it asked, then close. */
            if (c->out_len == 0) return -1;
            c->last_response = 1;
            c->in_len = 0;
            return 0;
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
        if (c->last_response) continue;
        c->in_len += (size_t)n;
        if (handle_input(c) != 0 || conn_flush(c) != 0) return -1;
    }
}

/* ---------- listeners and stopping ---------- */

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void begin_stop(const char *why) {
    if (stopping) return;
    stopping = 1;
    stop_deadline_ms = now_ms() + STOP_LINGER_MS;
    fprintf(stderr, "%s; stopping\n", why);
    for (int i = 0; i < nlisteners; i++) {
        close(listeners[i]);
        pfds[i].fd = -1; /* poll() skips negative fds, in wasi-libc and natively */
    }
#ifndef __wasi__
    pfds[nlisteners].fd = -1; /* the stop is under way: the pipe has said all it will */
#endif
    /* Every connection gets the responses it is owed, then a FIN (conn_flush),
     * and no new request is read: as after a last response, it is closed once
     * the peer has closed its side (conn_read). */
    for (size_t i = 0; i < nconns; i++) {
        conn *c = conns[i];
        c->last_response = 1;
        c->in_len = 0;
        if (c->out_len == 0 && !c->write_shut) {
            shutdown(c->fd, SHUT_WR);
            c->write_shut = 1;
        }
    }
}

static void accept_some(int lfd) {
    for (int i = 0; i < ACCEPTS_PER_POLL; i++) {
        /* A real address, never NULL: see listener_readable in echo.c. */
        struct sockaddr_storage peer;
        socklen_t peerlen = sizeof peer;
        int fd = accept4(lfd, (struct sockaddr *)&peer, &peerlen, SOCK_NONBLOCK);
        if (fd < 0) {
            int err = errno;
            if (err == EINTR || err == ECONNABORTED) continue;
            if (err == EAGAIN || err == EWOULDBLOCK) return;
            /* Out of fds: try again on the next turn (the loop turns busily anyway). */
            if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) return;
            char why[96];
            snprintf(why, sizeof why, "listener fd=%d: %s", lfd, strerror(err));
            begin_stop(why);
            return;
        }
#ifndef __wasi__
        /* As the wasm host does for every accepted connection. */
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#endif
        if (conn_add(fd) != 0) {
            close(fd);
            continue;
        }
        stats.accepted++;
    }
}

#ifndef __wasi__
static void on_stop_signal(int sig) {
    (void)sig;
    int saved = errno;
    ssize_t ignored = write(stop_pipe[1], "", 1);
    (void)ignored; /* full: a wake-up is already pending */
    errno = saved;
}
#endif

/* The pollfds that are not connections; 0, or -1 after saying why. */
static int setup(void) {
    nfixed = nlisteners;
#ifndef __wasi__
    if (pipe2(stop_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
        fprintf(stderr, "stop pipe: %s\n", strerror(errno));
        return -1;
    }
    nfixed++;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
#endif
    pfds = calloc((size_t)nfixed, sizeof *pfds);
    if (!pfds) {
        fprintf(stderr, "out of memory\n");
        return -1;
    }
    for (int i = 0; i < nlisteners; i++) pfds[i] = (struct pollfd){ .fd = listeners[i], .events = POLLIN };
#ifndef __wasi__
    pfds[nlisteners] = (struct pollfd){ .fd = stop_pipe[0], .events = POLLIN };
#endif
    return 0;
}

static void usage(FILE *f) {
    fprintf(f, "usage: http-mio %s\n"
               "  HTTP/1.1 keep-alive hello-world server, polling every connection for reading\n"
               "  and writing on every turn (mio's WASI selector pattern).\n%s",
            platform_has_listen() ? "--listen HOST:PORT..." : "",
            platform_has_listen() ? "  --listen HOST:PORT   address to serve (repeatable)\n"
                                  : "  Listening sockets are passed by the host as fd 3, 4, ...\n");
}

/* A connection's task: what tokio would wake it for. Returns -1 to close it. */
static int run_task(conn *c, short re) {
    if (re & POLLNVAL) return -1;
    if ((re & (POLLIN | POLLHUP | POLLERR)) && conn_read(c) != 0) return -1;
    if ((re & (POLLOUT | POLLERR)) && c->out_len && conn_flush(c) != 0) return -1;
    return 0;
}

/* A poll's events: a connection's task is due when it can read, or write what waits. */
static void note_events(void) {
    for (size_t i = 0; i < nconns; i++) {
        short re = pfds[nfixed + i].revents;
        if (!re) continue;
        conn *c = conns[i];
        c->ready |= re;
        if ((re & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) || ((re & POLLOUT) && c->out_len)) enqueue(c);
    }
    for (int i = 0; i < nlisteners && !stopping; i++) {
        short re = pfds[i].revents;
        /* The host hangs the listener up to stop us (a native listener never does). */
        if (re & (POLLHUP | POLLERR | POLLNVAL)) begin_stop("listener closed by the host");
        else if (re & POLLIN) accept_some(listeners[i]);
    }
#ifndef __wasi__
    if (pfds[nlisteners].revents & POLLIN) begin_stop("stopped by a signal");
#endif
}

int main(int argc, char **argv) {
    char *addrs[PLATFORM_MAX_LISTENERS];
    int naddrs = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--listen") && i + 1 < argc && naddrs < PLATFORM_MAX_LISTENERS) {
            addrs[naddrs++] = argv[++i];
            continue;
        }
        fprintf(stderr, "unexpected argument \"%s\"\n", argv[i]);
        usage(stderr);
        return 2;
    }
    nlisteners = platform_listeners(addrs, naddrs, listeners, PLATFORM_MAX_LISTENERS);
    if (nlisteners < 0) return 2;
    if (setup() != 0) return 1;

    int status = 0;
    while (!stopping || nconns > 0) {
        /* Tasks left over: look for news without sleeping, as tokio does. */
        int timeout = rq_len ? 0 : -1;
        if (stopping) {
            long long left = stop_deadline_ms - now_ms();
            if (left <= 0) break; /* the peers had their time: what is left is closed below */
            if (timeout < 0) timeout = (int)left;
        }
        int n = poll(pfds, (nfds_t)nfixed + nconns, timeout);
        stats.polls++;
        if (n < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "poll: %s\n", strerror(errno));
            status = 1;
            break;
        }
        if (n > 0) note_events();
        for (int k = 0; k < EVENT_INTERVAL && rq_len; k++) {
            conn *c = dequeue();
            short re = c->ready;
            c->ready = 0;
            if (run_task(c, re) != 0) conn_close(c);
        }
    }
    while (nconns) conn_close(conns[nconns - 1]);
    if (!stopping)
        for (int i = 0; i < nlisteners; i++) close(listeners[i]);
    fprintf(stderr, "stats: accepted=%llu requests=%llu bad_requests=%llu closed=%llu polls=%llu\n", stats.accepted,
            stats.requests, stats.bad, stats.closed, stats.polls);
    return status;
}
