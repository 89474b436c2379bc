/* ev_select.c - select backend: the lesson's capped one. Natively an fd_set is a
 * bitmap indexed by fd, so fds >= FD_SETSIZE cannot be watched at all; under
 * wasi-libc it is a list of at most FD_SETSIZE fds (whatever their numbers) and
 * FD_SET past that overflows silently. Either way ev_api_add refuses with
 * -ERANGE rather than corrupt memory. Each call copies the sets and scans every
 * fd up to maxfd: O(registered). */
#include <sys/select.h>

typedef struct ev_api_state {
    fd_set rfds, wfds;      /* what is registered */
    fd_set _rfds, _wfds;    /* copies select() may modify */
    int nwatched;           /* fds with any event registered (wasi-libc list size) */
} ev_api_state;

static int ev_api_create(ev_loop *loop) {
    ev_api_state *state = malloc(sizeof(*state));
    if (!state) return -ENOMEM;
    FD_ZERO(&state->rfds);
    FD_ZERO(&state->wfds);
    state->nwatched = 0;
    loop->apidata = state;
    return 0;
}

static int ev_api_resize(ev_loop *loop, int setsize) {
    (void)loop; (void)setsize;
    return 0;
}

static void ev_api_free(ev_loop *loop) { free(loop->apidata); }

static int ev_api_add(ev_loop *loop, int fd, int oldmask, int addmask) {
    ev_api_state *state = loop->apidata;
#ifdef __wasi__
    if (oldmask == EV_NONE && state->nwatched >= FD_SETSIZE) return -ERANGE;
#else
    if (fd >= FD_SETSIZE) return -ERANGE;
#endif
    if (oldmask == EV_NONE) state->nwatched++;
    if (addmask & EV_READABLE) FD_SET(fd, &state->rfds);
    if (addmask & EV_WRITABLE) FD_SET(fd, &state->wfds);
    return 0;
}

static void ev_api_del(ev_loop *loop, int fd, int oldmask, int delmask) {
    ev_api_state *state = loop->apidata;
    if (delmask & EV_READABLE) FD_CLR(fd, &state->rfds);
    if (delmask & EV_WRITABLE) FD_CLR(fd, &state->wfds);
    if ((oldmask & ~delmask) == EV_NONE) state->nwatched--;
}

static int ev_api_poll(ev_loop *loop, int timeout_ms) {
    ev_api_state *state = loop->apidata;
    struct timeval tv, *tvp = NULL;
    if (timeout_ms >= 0) {
        tv.tv_sec = timeout_ms / 1000;
        tv.tv_usec = (timeout_ms % 1000) * 1000;
        tvp = &tv;
    }
    memcpy(&state->_rfds, &state->rfds, sizeof(fd_set));
    memcpy(&state->_wfds, &state->wfds, sizeof(fd_set));
    int ready = select(loop->maxfd + 1, &state->_rfds, &state->_wfds, NULL, tvp);
    if (ready < 0) return -errno;
    int n = 0;
    for (int fd = 0; fd <= loop->maxfd; fd++) {
        int registered = loop->events[fd].mask;
        if (registered == EV_NONE) continue;
        int mask = 0;
        if ((registered & EV_READABLE) && FD_ISSET(fd, &state->_rfds)) mask |= EV_READABLE;
        if ((registered & EV_WRITABLE) && FD_ISSET(fd, &state->_wfds)) mask |= EV_WRITABLE;
        if (!mask) continue;
        loop->fired[n].fd = fd;
        loop->fired[n].mask = mask;
        n++;
    }
    return n;
}

static const char *ev_api_name(void) { return "select"; }
