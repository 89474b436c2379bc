/* ev_poll.c - poll backend: no cap on the number of fds, but every call hands
 * the whole array to the kernel (or host) and scans all of it for results, so
 * each wait costs O(registered). pollfds are kept dense (swap-remove) with an
 * fd -> slot index, because a pollfd asking for no events is an error under
 * older wasi-libcs. */
#include <poll.h>

typedef struct ev_api_state {
    struct pollfd *pfds;
    int npfds;
    int capacity;       /* entries in pfds and slot */
    int *slot;          /* fd -> index in pfds, -1 when not registered */
} ev_api_state;

static int ev_api_resize(ev_loop *loop, int setsize) {
    ev_api_state *state = loop->apidata;
    struct pollfd *pfds = realloc(state->pfds, sizeof(*pfds) * (size_t)setsize);
    if (!pfds) return -ENOMEM;
    state->pfds = pfds;
    int *slot = realloc(state->slot, sizeof(*slot) * (size_t)setsize);
    if (!slot) return -ENOMEM;
    state->slot = slot;
    for (int i = state->capacity; i < setsize; i++) slot[i] = -1;
    state->capacity = setsize;
    return 0;
}

static int ev_api_create(ev_loop *loop) {
    ev_api_state *state = calloc(1, sizeof(*state));
    if (!state) return -ENOMEM;
    loop->apidata = state;
    if (ev_api_resize(loop, loop->setsize) != 0) {
        free(state->pfds);
        free(state->slot);
        free(state);
        loop->apidata = NULL;
        return -ENOMEM;
    }
    return 0;
}

static void ev_api_free(ev_loop *loop) {
    ev_api_state *state = loop->apidata;
    if (!state) return;
    free(state->pfds);
    free(state->slot);
    free(state);
}

static short ev_poll_bits(int mask) {
    return (short)((mask & EV_READABLE ? POLLIN : 0) | (mask & EV_WRITABLE ? POLLOUT : 0));
}

static int ev_api_add(ev_loop *loop, int fd, int oldmask, int addmask) {
    ev_api_state *state = loop->apidata;
    int i = state->slot[fd];
    if (i < 0) {
        i = state->npfds++;
        state->slot[fd] = i;
        state->pfds[i].fd = fd;
        state->pfds[i].revents = 0;
    }
    state->pfds[i].events = ev_poll_bits(oldmask | addmask);
    return 0;
}

static void ev_api_del(ev_loop *loop, int fd, int oldmask, int delmask) {
    ev_api_state *state = loop->apidata;
    int i = state->slot[fd];
    if (i < 0) return;
    int mask = oldmask & ~delmask;
    if (mask != EV_NONE) {
        state->pfds[i].events = ev_poll_bits(mask);
        return;
    }
    int last = --state->npfds;
    if (i != last) {
        state->pfds[i] = state->pfds[last];
        state->slot[state->pfds[i].fd] = i;
    }
    state->slot[fd] = -1;
}

static int ev_api_poll(ev_loop *loop, int timeout_ms) {
    ev_api_state *state = loop->apidata;
    int ready = poll(state->pfds, (nfds_t)state->npfds, timeout_ms);
    if (ready < 0) return -errno;
    int n = 0;
    for (int i = 0; i < state->npfds && n < ready; i++) {
        short re = state->pfds[i].revents;
        if (!re) continue;
        int mask = 0;
        if (re & POLLIN) mask |= EV_READABLE;
        if (re & POLLOUT) mask |= EV_WRITABLE;
        if (re & (POLLERR | POLLHUP | POLLNVAL)) mask |= EV_READABLE | EV_WRITABLE | EV_HANGUP;
        loop->fired[n].fd = state->pfds[i].fd;
        loop->fired[n].mask = mask;
        n++;
    }
    return n;
}

static const char *ev_api_name(void) { return "poll"; }
