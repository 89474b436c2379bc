/* ev_epoll.c - epoll backend: the kernel (or the WASI host) keeps the interest
 * set and a ready list, so each wait costs O(ready), not O(registered). Under
 * WASI, <sys/epoll.h> is our shim over the WASIX epoll imports. */
#include <sys/epoll.h>
#include <unistd.h>

#define EV_EPOLL_BATCH 1024

typedef struct ev_api_state {
    int epfd;
    struct epoll_event events[EV_EPOLL_BATCH];
} ev_api_state;

static int ev_api_create(ev_loop *loop) {
    ev_api_state *state = malloc(sizeof(*state));
    if (!state) return -ENOMEM;
    state->epfd = epoll_create1(0);
    if (state->epfd < 0) {
        int err = errno;
        free(state);
        return -err;
    }
    loop->apidata = state;
    return 0;
}

static int ev_api_resize(ev_loop *loop, int setsize) {
    (void)loop; (void)setsize;
    return 0;
}

static void ev_api_free(ev_loop *loop) {
    ev_api_state *state = loop->apidata;
    if (!state) return;
    close(state->epfd);
    free(state);
}

static uint32_t ev_epoll_bits(int mask) {
    return (mask & EV_READABLE ? EPOLLIN : 0) | (mask & EV_WRITABLE ? EPOLLOUT : 0);
}

static int ev_api_add(ev_loop *loop, int fd, int oldmask, int addmask) {
    ev_api_state *state = loop->apidata;
    struct epoll_event ee = {0};
    ee.events = ev_epoll_bits(oldmask | addmask);
    ee.data.fd = fd;
    int op = oldmask == EV_NONE ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    return epoll_ctl(state->epfd, op, fd, &ee) == 0 ? 0 : -errno;
}

static void ev_api_del(ev_loop *loop, int fd, int oldmask, int delmask) {
    ev_api_state *state = loop->apidata;
    struct epoll_event ee = {0};
    int mask = oldmask & ~delmask;
    ee.events = ev_epoll_bits(mask);
    ee.data.fd = fd;
    /* Failure here means the fd is already gone, which is what we wanted. */
    (void)epoll_ctl(state->epfd, mask == EV_NONE ? EPOLL_CTL_DEL : EPOLL_CTL_MOD, fd, &ee);
}

static int ev_api_poll(ev_loop *loop, int timeout_ms) {
    ev_api_state *state = loop->apidata;
    int max = loop->setsize < EV_EPOLL_BATCH ? loop->setsize : EV_EPOLL_BATCH;
    int n = epoll_wait(state->epfd, state->events, max, timeout_ms);
    if (n < 0) return -errno;
    for (int j = 0; j < n; j++) {
        uint32_t e = state->events[j].events;
        int mask = 0;
        if (e & EPOLLIN) mask |= EV_READABLE;
        if (e & EPOLLOUT) mask |= EV_WRITABLE;
        /* Let both callbacks run: the failing recv()/send() tells which error. */
        if (e & (EPOLLERR | EPOLLHUP)) mask |= EV_READABLE | EV_WRITABLE | EV_HANGUP;
        loop->fired[j].fd = state->events[j].data.fd;
        loop->fired[j].mask = mask;
    }
    return n;
}

static const char *ev_api_name(void) { return "epoll"; }
