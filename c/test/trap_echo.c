/* trap_echo.c - a test fixture for the supervisor of several instances: an
 * echo server (poll() over the listener at fd 3 and its connections) that
 * fails on demand. A message that starts with "TRAP" makes it trap
 * (unreachable); one that starts with "EXIT" makes it exit with status 3,
 * and "QUIT" with status 0; anything else is echoed. A stop (the listener hangs up, accept answers
 * ECANCELED) closes every connection and exits 0. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 512

static struct pollfd fds[MAX_FDS];
static int count;

static int write_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, data, length);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return -1;
        }
        data += n;
        length -= (size_t)n;
    }
    return 0;
}

static void drop(int at) {
    close(fds[at].fd);
    fds[at] = fds[--count];
}

int main(void) {
    fds[0] = (struct pollfd){ .fd = 3, .events = POLLIN };
    count = 1;
    for (;;) {
        if (poll(fds, (nfds_t)count, -1) < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "poll: %s\n", strerror(errno));
            return 1;
        }
        for (int at = count - 1; at >= 1; at--) {
            if (!fds[at].revents) continue;
            char buf[4096];
            ssize_t n = read(fds[at].fd, buf, sizeof buf);
            if (n <= 0) {
                if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                drop(at);
                continue;
            }
            if (n >= 4 && memcmp(buf, "TRAP", 4) == 0) __builtin_trap();
            if (n >= 4 && memcmp(buf, "EXIT", 4) == 0) exit(3);
            if (n >= 4 && memcmp(buf, "QUIT", 4) == 0) exit(0);
            if (write_all(fds[at].fd, buf, (size_t)n) < 0) drop(at);
        }
        if (fds[0].revents) {
            int fd = accept(3, NULL, NULL);
            if (fd < 0) {
                if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) continue;
                /* ECANCELED: asked to stop. */
                while (count > 1) drop(count - 1);
                return errno == ECANCELED ? 0 : 1;
            }
            if (count == MAX_FDS) {
                close(fd);
                continue;
            }
            fds[count++] = (struct pollfd){ .fd = fd, .events = POLLIN };
        }
    }
}
