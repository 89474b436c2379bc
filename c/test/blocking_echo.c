/* blocking_echo.c - a test fixture for `wasi-evloop run`: an echo server
 * written the way Rust's std::net is, with blocking calls only: accept(2) on
 * the listener the host passes at fd 3, then read(2)/write(2) on the
 * connection (fd_read/fd_write, not sock_recv/sock_send).
 *
 * usage: blocking_echo [CONNECTIONS]   serve that many connections one after
 * another (default: until accept fails), print "served N" on stdout, and exit
 * with $EXIT_CODE (default 0) so that a test sees args, env, stdout and the
 * exit status pass through. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int echo(int fd) {
    char buf[16384];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0) return 0;
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        for (ssize_t at = 0; at < n;) {
            ssize_t w = write(fd, buf + at, (size_t)(n - at));
            if (w < 0) {
                if (errno == EINTR) continue;
                return -1;
            }
            at += w;
        }
    }
}

int main(int argc, char **argv) {
    long limit = argc > 1 ? strtol(argv[1], NULL, 10) : -1;
    long served = 0;
    while (limit < 0 || served < limit) {
        /* A real address, never NULL: see listener_readable in c/echo.c. */
        struct sockaddr_storage peer;
        socklen_t peerlen = sizeof(peer);
        int fd = accept(3, (struct sockaddr *)&peer, &peerlen);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            fprintf(stderr, "accept: %s\n", strerror(errno));
            break;
        }
        if (echo(fd) < 0) fprintf(stderr, "connection: %s\n", strerror(errno));
        close(fd);
        served++;
    }
    printf("served %ld\n", served);
    const char *code = getenv("EXIT_CODE");
    return code ? atoi(code) : 0;
}
