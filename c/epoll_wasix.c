/* epoll_wasix.c - Linux epoll calls translated to the WASIX epoll imports.
 * Like wasi-libc's bottom half: convert arguments, call, convert errors. The
 * WASIX ABI numbers operations and event bits differently from Linux and uses
 * a 32-byte event whose 24-byte data blob the host hands back verbatim. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>

enum {
    WASIX_EPOLL_CTL_ADD = 0,
    WASIX_EPOLL_CTL_MOD = 1,
    WASIX_EPOLL_CTL_DEL = 2,
};

enum {
    WASIX_EPOLLIN = 1,
    WASIX_EPOLLOUT = 2,
    WASIX_EPOLLRDHUP = 4,
    WASIX_EPOLLPRI = 8,
    WASIX_EPOLLERR = 16,
    WASIX_EPOLLHUP = 32,
    WASIX_EPOLLET = 64,
    WASIX_EPOLLONESHOT = 128,
};

typedef struct wasix_epoll_event {
    uint32_t events;
    uint32_t pad;
    /* data: ptr u32, fd u32, data1 u32, (pad), data2 u64. Linux's 8-byte
     * epoll_data_t travels in the first 8 bytes (ptr and fd). */
    uint8_t data[24];
} wasix_epoll_event;

_Static_assert(sizeof(wasix_epoll_event) == 32, "WASIX epoll_event is 32 bytes");
_Static_assert(offsetof(wasix_epoll_event, data) == 8, "WASIX epoll data at 8");

#define WASIX_IMPORT(name) __attribute__((import_module("wasix_32v1"), import_name(name)))

WASIX_IMPORT("epoll_create") int32_t __wasix_epoll_create(int32_t *ret_fd);
WASIX_IMPORT("epoll_ctl") int32_t __wasix_epoll_ctl(int32_t epfd, int32_t op, int32_t fd,
                                                      const wasix_epoll_event *event);
WASIX_IMPORT("epoll_wait") int32_t __wasix_epoll_wait(int32_t epfd, wasix_epoll_event *events,
                                                        int32_t maxevents, uint64_t timeout_ns,
                                                        int32_t *ret_n);

static const struct { uint32_t linux_bit, wasix_bit; } bits[] = {
    {EPOLLIN, WASIX_EPOLLIN},       {EPOLLOUT, WASIX_EPOLLOUT},
    {EPOLLRDHUP, WASIX_EPOLLRDHUP}, {EPOLLPRI, WASIX_EPOLLPRI},
    {EPOLLERR, WASIX_EPOLLERR},     {EPOLLHUP, WASIX_EPOLLHUP},
    {EPOLLET, WASIX_EPOLLET},       {EPOLLONESHOT, WASIX_EPOLLONESHOT},
};

static uint32_t to_wasix(uint32_t events) {
    uint32_t out = 0;
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        if (events & bits[i].linux_bit) out |= bits[i].wasix_bit;
    return out;
}

static uint32_t from_wasix(uint32_t events) {
    uint32_t out = 0;
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        if (events & bits[i].wasix_bit) out |= bits[i].linux_bit;
    return out;
}

static int fail(int32_t err) {
    errno = err;
    return -1;
}

int epoll_create1(int flags) {
    if (flags & ~EPOLL_CLOEXEC) return fail(EINVAL);
    int32_t fd;
    int32_t err = __wasix_epoll_create(&fd);
    return err ? fail(err) : fd;
}

int epoll_create(int size) {
    if (size <= 0) return fail(EINVAL);
    return epoll_create1(0);
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event) {
    int32_t wop;
    switch (op) {
    case EPOLL_CTL_ADD: wop = WASIX_EPOLL_CTL_ADD; break;
    case EPOLL_CTL_MOD: wop = WASIX_EPOLL_CTL_MOD; break;
    case EPOLL_CTL_DEL: wop = WASIX_EPOLL_CTL_DEL; break;
    default: return fail(EINVAL);
    }
    wasix_epoll_event we;
    memset(&we, 0, sizeof(we));
    if (event) {
        we.events = to_wasix(event->events);
        memcpy(we.data, &event->data, sizeof(event->data));
    } else if (op != EPOLL_CTL_DEL) {
        return fail(EFAULT);
    }
    int32_t err = __wasix_epoll_ctl(epfd, wop, fd, &we);
    return err ? fail(err) : 0;
}

/* Events are fetched into a fixed buffer, so one call returns at most
 * EPOLL_WAIT_BATCH of them; the rest stay ready for the next call, as when
 * Linux's epoll_wait is given a smaller maxevents. */
#define EPOLL_WAIT_BATCH 256

int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout) {
    if (maxevents <= 0) return fail(EINVAL);
    if (maxevents > EPOLL_WAIT_BATCH) maxevents = EPOLL_WAIT_BATCH;
    wasix_epoll_event wev[EPOLL_WAIT_BATCH];
    uint64_t timeout_ns = timeout < 0 ? UINT64_MAX : (uint64_t)timeout * 1000000u;
    int32_t n = 0;
    int32_t err = __wasix_epoll_wait(epfd, wev, maxevents, timeout_ns, &n);
    if (err) return fail(err);
    if (n < 0 || n > maxevents) return fail(EIO);
    for (int32_t i = 0; i < n; i++) {
        events[i].events = from_wasix(wev[i].events);
        memcpy(&events[i].data, wev[i].data, sizeof(events[i].data));
    }
    return n;
}
