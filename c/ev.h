/* ev - a small readiness event loop in the shape of Redis's ae.
 *
 * ev.c owns an fd-indexed table of registered events and a fired[] array and
 * includes exactly one backend (ev_select.c, ev_poll.c or ev_epoll.c), chosen at
 * build time with -DEV_BACKEND_SELECT/POLL/EPOLL. Backends only translate
 * readiness; all dispatch happens here. Functions return 0 or a negative errno. */
#ifndef EV_H
#define EV_H

#include <stdint.h>

#define EV_NONE 0
#define EV_READABLE 1
#define EV_WRITABLE 2
/* Only ever reported, never registered: the backend saw an error or hangup. A
 * readable callback still runs so that recv()/accept() can find out which. */
#define EV_HANGUP 4

typedef struct ev_loop ev_loop;
typedef void ev_file_proc(ev_loop *loop, int fd, void *data, int mask);
typedef void ev_timer_proc(ev_loop *loop, void *data);

typedef struct ev_file {
    int mask;               /* EV_READABLE | EV_WRITABLE */
    unsigned registration;  /* counts the times this fd went from no events to some */
    ev_file_proc *rproc;
    ev_file_proc *wproc;
    void *data;
} ev_file;

typedef struct ev_fired {
    int fd;
    int mask;
    unsigned registration;  /* the fd's registration this readiness belongs to */
} ev_fired;

typedef struct ev_timer {
    int64_t when_ms;        /* monotonic deadline; 0 = slot free */
    ev_timer_proc *proc;
    void *data;
} ev_timer;

#define EV_MAX_TIMERS 8

struct ev_loop {
    int setsize;            /* size of events[] and fired[]; grows on demand */
    int maxfd;              /* highest fd registered, -1 if none */
    ev_file *events;
    ev_fired *fired;
    ev_timer timers[EV_MAX_TIMERS];
    volatile int stop;
    int64_t now_ms;         /* the monotonic clock (ms) when the last wait returned */
    void *apidata;          /* backend state */
};

ev_loop *ev_create(int setsize);
void ev_free(ev_loop *loop);
/* -ERANGE when the backend cannot hold this fd (select beyond FD_SETSIZE). */
int ev_add(ev_loop *loop, int fd, int mask, ev_file_proc *proc, void *data);
void ev_del(ev_loop *loop, int fd, int mask);
int ev_mask(const ev_loop *loop, int fd);
/* One-shot timer, at most EV_MAX_TIMERS at once; returns an id >= 0 or -ENOMEM. */
int ev_timer_add(ev_loop *loop, int64_t ms, ev_timer_proc *proc, void *data);
void ev_timer_del(ev_loop *loop, int id);
/* Waits at most until the nearest timer (forever without one), then dispatches.
 * Returns the number of file events reported, or a negative errno (-EINTR is
 * normal when a signal arrives, -ECANCELED when a WASI host says stop). An
 * event is only delivered to the registration it was reported for: if a
 * callback closes another fd of the same batch and the number is registered
 * again, the new registration does not get the old one's event. */
int ev_process(ev_loop *loop);
/* ev_run's answer when the host cancelled the wait (ECANCELED): a WASI host has
 * no signals, and this is how it says its owner asked the program to stop. */
#define EV_STOPPED_BY_HOST 1
/* Runs until ev_stop() (returns 0) or the host stops it (EV_STOPPED_BY_HOST);
 * returns the backend's negative errno if it fails. */
int ev_run(ev_loop *loop);
void ev_stop(ev_loop *loop);
const char *ev_backend_name(void);
/* The time the last wait returned (as libuv's uv_now): what callbacks read.
 * Under WASI every clock read is a call into the host; the loop itself reads
 * the clock once per iteration (twice while a timer is armed, to size the
 * wait), never once per message. */
int64_t ev_now(const ev_loop *loop);

#endif
