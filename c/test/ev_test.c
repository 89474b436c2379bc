/* ev_test.c - native checks of guarantees ev.c makes whatever its callbacks do,
 * built once per backend by `make native-test` (with AddressSanitizer and UBSan
 * when the compiler has them, so an out-of-bounds index fails the run) and run
 * by test/ev-native.test.ts. Prints one line per check; exits 1 if any failed.
 *
 *  - An allocation failure while the fd table grows leaves the loop as it was:
 *    every allocation of the growth path is made to fail in turn, and the loop
 *    must then still register, watch and dispatch fds below and above the old
 *    size without indexing past any table.
 *  - An event reported for an fd is delivered only to the registration it was
 *    reported for: when a callback closes another fd of the same batch (or its
 *    own) and a new registration takes the number, the new one does not get
 *    the old one's readiness. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../ev.h"

static int failures;

/* One line per check: what it shows, and whether it held. */
static void report(int failures_before, const char *what) {
    printf("%s %s\n", failures == failures_before ? "ok  " : "FAIL", what);
}

static void check(int ok, const char *fmt, ...) {
    if (ok) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL (%s): ", ev_backend_name());
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    failures++;
}

/* Linked with -Wl,--wrap=realloc: every realloc in ev.c and its backend comes
 * here, so a check can make exactly the n-th one fail. */
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
static int realloc_calls;   /* since the last fail_realloc() */
static int realloc_fail_at; /* 1-based; 0 = never fail */

void *__wrap_realloc(void *p, size_t n) {
    realloc_calls++;
    if (realloc_calls == realloc_fail_at) return NULL;
    return __real_realloc(p, n);
}

static void fail_realloc(int nth) {
    realloc_calls = 0;
    realloc_fail_at = nth;
}

/* A pipe whose read end is exactly `fd` (as a reused number would be); returns
 * the write end, nonblocking like the read end. */
static int pipe_at(int fd) {
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        exit(2);
    }
    if (p[0] != fd) {
        if (dup2(p[0], fd) < 0) {
            perror("dup2");
            exit(2);
        }
        close(p[0]);
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    return p[1];
}

static void put(int wfd) {
    if (write(wfd, "x", 1) != 1) {
        perror("write");
        exit(2);
    }
}

typedef struct hits {
    int fd;     /* the fd it was registered for */
    int calls;
    int mask;   /* of the last call */
    int wrong;  /* calls that named another fd */
} hits;

static void count(ev_loop *loop, int fd, void *data, int mask) {
    (void)loop;
    hits *h = data;
    h->calls++;
    h->mask = mask;
    if (fd != h->fd) h->wrong++;
    char buf[16];
    while (read(fd, buf, sizeof buf) > 0) {}
}

static void give_up(ev_loop *loop, void *unused) { (void)loop; (void)unused; }

/* ev_process, but waiting at most a second: a check whose event does not come
 * must fail, not hang. */
static int process(ev_loop *loop) {
    int timer = ev_timer_add(loop, 1000, give_up, NULL);
    int n = ev_process(loop);
    ev_timer_del(loop, timer);
    return n;
}

/* ---- growth with allocation failures ---------------------------------- */

static void test_grow_failure(void) {
    const int below = 17, above = 20; /* both beyond the first table of 16 */
    int before = failures;
    int injected = 0;
    for (int nth = 1;; nth++) {
        ev_loop *loop = ev_create(16);
        check(loop != NULL, "ev_create");
        if (!loop) return;
        int wbelow = pipe_at(below), wabove = pipe_at(above);
        hits hb = {.fd = below}, ha = {.fd = above};

        fail_realloc(nth);
        int rc = ev_add(loop, above, EV_READABLE, count, &ha);
        int failed_one = realloc_calls >= nth;
        fail_realloc(0);
        if (!failed_one) {
            /* Past the last allocation of the growth path: it simply works. */
            check(rc == 0, "ev_add(%d) without a failure: %d", above, rc);
        } else {
            injected++;
            check(rc == -ENOMEM, "ev_add(%d) with realloc #%d failing returned %d, want -ENOMEM",
                  above, nth, rc);
            check(ev_mask(loop, above) == EV_NONE, "fd %d registered after a failed ev_add", above);
            /* The failed growth must not have raised the size the loop trusts:
             * this fd lies between the old and the asked size. */
            rc = ev_add(loop, below, EV_READABLE, count, &hb);
            check(rc == 0, "ev_add(%d) after the failure (realloc #%d): %d", below, nth, rc);
            rc = ev_add(loop, above, EV_READABLE, count, &ha);
            check(rc == 0, "ev_add(%d) again after the failure (realloc #%d): %d", above, nth, rc);
        }

        put(wabove);
        if (failed_one) put(wbelow);
        int n = process(loop);
        check(n == (failed_one ? 2 : 1), "ev_process after realloc #%d failed: %d events", nth, n);
        check(ha.calls == 1 && ha.wrong == 0 && (ha.mask & EV_READABLE),
              "fd %d: %d calls (%d for another fd), mask %d", above, ha.calls, ha.wrong, ha.mask);
        if (failed_one)
            check(hb.calls == 1 && hb.wrong == 0 && (hb.mask & EV_READABLE),
                  "fd %d: %d calls (%d for another fd), mask %d", below, hb.calls, hb.wrong, hb.mask);

        ev_del(loop, above, EV_READABLE);
        ev_del(loop, below, EV_READABLE);
        ev_free(loop);
        close(below);
        close(above);
        close(wbelow);
        close(wabove);
        if (!failed_one) break;
    }
    check(injected >= 2, "only %d allocations in the growth path", injected);
    char what[128];
    snprintf(what, sizeof what, "grow: each of the %d allocations of the growth path failed once; the loop kept working",
             injected);
    report(before, what);
}

/* ---- an fd closed and reused within one batch -------------------------- */

typedef struct batch {
    int a, b;               /* both readable when the batch is reported */
    int first;              /* the one whose callback ran; -1 before */
    int closer_calls;
    int fresh_wfd;          /* write end of the pipe now at the other number */
    hits fresh;             /* the new registration of the other number */
    int fresh_armed;        /* calls before this is set are stale deliveries */
    int fresh_stale;
} batch;

static void fresh_readable(ev_loop *loop, int fd, void *data, int mask) {
    batch *t = data;
    if (!t->fresh_armed) t->fresh_stale++;
    count(loop, fd, &t->fresh, mask);
}

static void close_the_other(ev_loop *loop, int fd, void *data, int mask) {
    (void)mask;
    batch *t = data;
    t->closer_calls++;
    char buf[16];
    while (read(fd, buf, sizeof buf) > 0) {}
    if (t->first >= 0) return;
    t->first = fd;
    int other = fd == t->a ? t->b : t->a;
    ev_del(loop, other, EV_READABLE);
    close(other);
    /* A new connection takes the freed number, as accept would. */
    t->fresh_wfd = pipe_at(other);
    t->fresh.fd = other;
    check(ev_add(loop, other, EV_READABLE, fresh_readable, t) == 0, "ev_add(%d) of the new registration", other);
}

static void test_reuse_other_fd(void) {
    int before = failures;
    ev_loop *loop = ev_create(64);
    batch t = {.a = 30, .b = 31, .first = -1};
    int wa = pipe_at(t.a), wb = pipe_at(t.b);
    check(ev_add(loop, t.a, EV_READABLE, close_the_other, &t) == 0, "ev_add(a)");
    check(ev_add(loop, t.b, EV_READABLE, close_the_other, &t) == 0, "ev_add(b)");
    put(wa);
    put(wb);
    int n = process(loop);
    check(n == 2, "both fds in one batch: %d events", n);
    check(t.closer_calls == 1, "the closed fd's old callback ran: %d calls", t.closer_calls);
    check(t.fresh_stale == 0, "the new registration of fd %d got the closed fd's event (%d calls)",
          t.fresh.fd, t.fresh_stale);
    /* The new registration itself works. */
    t.fresh_armed = 1;
    put(t.fresh_wfd);
    n = process(loop);
    check(n == 1 && t.fresh.calls == 1 && t.fresh.wrong == 0, "the new registration's own event: %d events, %d calls",
          n, t.fresh.calls);
    int other = t.fresh.fd;
    ev_del(loop, t.first, EV_READABLE);
    ev_del(loop, other, EV_READABLE);
    ev_free(loop);
    close(t.a);
    close(t.b);
    close(wa);
    close(wb);
    close(t.fresh_wfd);
    report(before, "reuse: an fd closed and re-registered by another callback of its batch got no stale event");
}

/* A callback that closes its own fd and registers the number again, for both
 * directions, within the event that reported readable and writable at once. */
typedef struct self {
    int fd;
    int peer;               /* the other end of the socketpair now at fd */
    int old_calls;
    hits fresh;
    int fresh_armed;
    int fresh_stale;
} self;

static void self_fresh(ev_loop *loop, int fd, void *data, int mask) {
    self *t = data;
    if (!t->fresh_armed) t->fresh_stale++;
    t->fresh.calls++;
    t->fresh.mask = mask;
    if (fd != t->fresh.fd) t->fresh.wrong++;
    ev_del(loop, fd, EV_WRITABLE);
}

static int socketpair_at(int fd, int *peer) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0) {
        perror("socketpair");
        exit(2);
    }
    if (sv[0] != fd) {
        if (dup2(sv[0], fd) < 0) {
            perror("dup2");
            exit(2);
        }
        fcntl(fd, F_SETFL, O_NONBLOCK);
        close(sv[0]);
    }
    *peer = sv[1];
    return fd;
}

static void replace_self(ev_loop *loop, int fd, void *data, int mask) {
    (void)mask;
    self *t = data;
    t->old_calls++;
    ev_del(loop, fd, EV_READABLE | EV_WRITABLE);
    close(fd);
    close(t->peer);
    socketpair_at(fd, &t->peer);
    t->fresh.fd = fd;
    check(ev_add(loop, fd, EV_READABLE | EV_WRITABLE, self_fresh, t) == 0, "ev_add of the new registration");
}

static void test_reuse_own_fd(void) {
    int before = failures;
    ev_loop *loop = ev_create(64);
    self t = {.fd = 40};
    socketpair_at(t.fd, &t.peer);
    check(ev_add(loop, t.fd, EV_READABLE | EV_WRITABLE, replace_self, &t) == 0, "ev_add");
    if (write(t.peer, "x", 1) != 1) exit(2);
    int n = process(loop);
    check(n == 1, "one fd, readable and writable: %d events", n);
    check(t.old_calls == 1, "old registration: %d calls", t.old_calls);
    check(t.fresh_stale == 0, "the new registration of fd %d got the old one's writable event", t.fd);
    /* The new registration is writable right away: it gets its own event. */
    t.fresh_armed = 1;
    n = process(loop);
    check(n == 1 && t.fresh.calls == 1 && (t.fresh.mask & EV_WRITABLE), "the new registration's own event: %d, %d calls",
          n, t.fresh.calls);
    ev_del(loop, t.fd, EV_READABLE | EV_WRITABLE);
    ev_free(loop);
    close(t.fd);
    close(t.peer);
    report(before, "reuse: an fd closed and re-registered by its own read callback got no stale write event");
}

int main(void) {
#if defined(__SANITIZE_ADDRESS__)
    const char *checked = "AddressSanitizer + UBSan";
#else
    const char *checked = "no sanitizer";
#endif
    printf("ev_test: %s backend, %s\n", ev_backend_name(), checked);
    test_grow_failure();
    test_reuse_other_fd();
    test_reuse_own_fd();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    return 0;
}
