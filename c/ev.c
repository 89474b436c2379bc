/* ev.c - registration, timers and dispatch; the backend only reports readiness. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ev.h"

static int ev_grow(ev_loop *loop, int setsize);

#if defined(EV_BACKEND_EPOLL)
#include "ev_epoll.c"
#elif defined(EV_BACKEND_POLL)
#include "ev_poll.c"
#elif defined(EV_BACKEND_SELECT)
#include "ev_select.c"
#else
#error "define one of EV_BACKEND_SELECT, EV_BACKEND_POLL, EV_BACKEND_EPOLL"
#endif

static int64_t ev_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

ev_loop *ev_create(int setsize) {
    ev_loop *loop = calloc(1, sizeof(*loop));
    if (!loop) return NULL;
    loop->maxfd = -1;
    loop->now_ms = ev_now_ms();
    if (setsize < 16) setsize = 16;
    if (ev_grow(loop, setsize) != 0 || ev_api_create(loop) != 0) {
        free(loop->events);
        free(loop->fired);
        free(loop);
        return NULL;
    }
    return loop;
}

void ev_free(ev_loop *loop) {
    if (!loop) return;
    ev_api_free(loop);
    free(loop->events);
    free(loop->fired);
    free(loop);
}

/* fds are small integers handed out lowest-first (POSIX and the WASI host
 * alike), so an fd-indexed table stays dense; it doubles when an fd outgrows it. */
static int ev_grow(ev_loop *loop, int setsize) {
    ev_file *events = realloc(loop->events, sizeof(*events) * (size_t)setsize);
    if (!events) return -ENOMEM;
    loop->events = events;
    ev_fired *fired = realloc(loop->fired, sizeof(*fired) * (size_t)setsize);
    if (!fired) return -ENOMEM;
    loop->fired = fired;
    /* setsize is what ev_add trusts every table (the backend's too) to hold:
     * raise it only once all of them do. A failure leaves some tables larger
     * than setsize, which is harmless. (No backend yet while ev_create runs:
     * it is created at the new size.) */
    if (loop->apidata && ev_api_resize(loop, setsize) != 0) return -ENOMEM;
    for (int i = loop->setsize; i < setsize; i++) {
        events[i].mask = EV_NONE;
        events[i].registration = 0;
    }
    loop->setsize = setsize;
    return 0;
}

int ev_add(ev_loop *loop, int fd, int mask, ev_file_proc *proc, void *data) {
    if (fd < 0) return -EBADF;
    if (fd >= loop->setsize) {
        int size = loop->setsize;
        while (size <= fd) size *= 2;
        int rc = ev_grow(loop, size);
        if (rc) return rc;
    }
    ev_file *fe = &loop->events[fd];
    int rc = ev_api_add(loop, fd, fe->mask, mask);
    if (rc) return rc;
    if (fe->mask == EV_NONE) fe->registration++;
    fe->mask |= mask;
    if (mask & EV_READABLE) fe->rproc = proc;
    if (mask & EV_WRITABLE) fe->wproc = proc;
    fe->data = data;
    if (fd > loop->maxfd) loop->maxfd = fd;
    return 0;
}

void ev_del(ev_loop *loop, int fd, int mask) {
    if (fd < 0 || fd >= loop->setsize) return;
    ev_file *fe = &loop->events[fd];
    if (fe->mask == EV_NONE) return;
    mask &= fe->mask;
    if (mask == EV_NONE) return;
    ev_api_del(loop, fd, fe->mask, mask);
    fe->mask &= ~mask;
    if (fd == loop->maxfd && fe->mask == EV_NONE) {
        int j = loop->maxfd - 1;
        while (j >= 0 && loop->events[j].mask == EV_NONE) j--;
        loop->maxfd = j;
    }
}

int ev_mask(const ev_loop *loop, int fd) {
    if (fd < 0 || fd >= loop->setsize) return EV_NONE;
    return loop->events[fd].mask;
}

int ev_timer_add(ev_loop *loop, int64_t ms, ev_timer_proc *proc, void *data) {
    for (int i = 0; i < EV_MAX_TIMERS; i++) {
        if (loop->timers[i].when_ms == 0) {
            loop->timers[i].when_ms = ev_now_ms() + (ms > 0 ? ms : 0) + 1;
            loop->timers[i].proc = proc;
            loop->timers[i].data = data;
            return i;
        }
    }
    return -ENOMEM;
}

void ev_timer_del(ev_loop *loop, int id) {
    if (id >= 0 && id < EV_MAX_TIMERS) loop->timers[id].when_ms = 0;
}

static int ev_next_timeout_ms(const ev_loop *loop) {
    int64_t nearest = 0;
    for (int i = 0; i < EV_MAX_TIMERS; i++) {
        int64_t w = loop->timers[i].when_ms;
        if (w && (!nearest || w < nearest)) nearest = w;
    }
    if (!nearest) return -1;
    int64_t left = nearest - ev_now_ms();
    if (left < 0) return 0;
    return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

static void ev_run_timers(ev_loop *loop) {
    int64_t now = loop->now_ms;
    for (int i = 0; i < EV_MAX_TIMERS; i++) {
        ev_timer *t = &loop->timers[i];
        if (t->when_ms && t->when_ms <= now) {
            t->when_ms = 0; /* one-shot: the callback may re-arm this very slot */
            t->proc(loop, t->data);
        }
    }
}

int ev_process(ev_loop *loop) {
    int n = ev_api_poll(loop, ev_next_timeout_ms(loop));
    loop->now_ms = ev_now_ms();
    if (n < 0) return n;
    /* A callback may close another fd of this batch, and a new registration
     * (an accept) may take its number: that fd's readiness was the old one's.
     * Tag each event with the registration it was reported for, before any
     * callback runs, and drop it if the registration has changed since: a
     * level-triggered backend reports a still-ready fd again next time. An fd
     * outside the table (only a faulty host's epoll could name one) is dropped. */
    for (int j = 0; j < n; j++) {
        int fd = loop->fired[j].fd;
        if (fd < 0 || fd >= loop->setsize) loop->fired[j].mask = EV_NONE;
        else loop->fired[j].registration = loop->events[fd].registration;
    }
    for (int j = 0; j < n; j++) {
        int fd = loop->fired[j].fd;
        int fired = loop->fired[j].mask;
        unsigned registration = loop->fired[j].registration;
        if (fired == EV_NONE) continue;
        /* Deliver only what is still asked for. A callback may also grow the
         * table (accept), so never hold a pointer into it across one. */
        ev_file *fe = &loop->events[fd];
        if (fe->registration == registration && (fe->mask & fired & EV_READABLE))
            fe->rproc(loop, fd, fe->data, fired & (EV_READABLE | EV_HANGUP));
        fe = &loop->events[fd];
        if (fe->registration == registration && (fe->mask & fired & EV_WRITABLE))
            fe->wproc(loop, fd, fe->data, fired & (EV_WRITABLE | EV_HANGUP));
    }
    ev_run_timers(loop);
    return n;
}

int ev_run(ev_loop *loop) {
    loop->stop = 0;
    while (!loop->stop) {
        int rc = ev_process(loop);
        /* Never a native wait's error; under WASI, the host's way to say stop. */
        if (rc == -ECANCELED) return EV_STOPPED_BY_HOST;
        if (rc < 0 && rc != -EINTR) return rc;
    }
    return 0;
}

void ev_stop(ev_loop *loop) { loop->stop = 1; }

int64_t ev_now(const ev_loop *loop) { return loop->now_ms; }

const char *ev_backend_name(void) { return ev_api_name(); }
