/* retry_accept.c - a test fixture for `wasi-evloop run`: a blocking echo
 * server written the way the common Rust loop is,
 *
 *     for stream in listener.incoming() {
 *         match stream {
 *             Err(e) => eprintln!("error: {e}"),
 *             Ok(s) => handle(s),
 *         }
 *     }
 *
 * i.e. it accepts on the listener at fd 3 forever and answers ANY accept error
 * with one line on stderr and an immediate retry. It never exits by itself, so
 * it shows whether a host's stop ends such a module promptly, without letting
 * it spin or flood the log. Each connection is echoed (read/write) until the
 * peer closes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* 0 when the peer closed, -1 with errno on an error. */
static int echo(int fd) {
    char buf[16384];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0) return 0;
        if (n < 0) return -1;
        for (ssize_t at = 0; at < n;) {
            ssize_t w = write(fd, buf + at, (size_t)(n - at));
            if (w < 0) return -1;
            at += w;
        }
    }
}

int main(void) {
    for (;;) {
        /* A real address, never NULL: see listener_readable in c/echo.c. */
        struct sockaddr_storage peer;
        socklen_t peerlen = sizeof(peer);
        int fd = accept(3, (struct sockaddr *)&peer, &peerlen);
        if (fd < 0) {
            fprintf(stderr, "error: %s\n", strerror(errno));
            continue;
        }
        if (echo(fd) < 0) fprintf(stderr, "error: %s\n", strerror(errno));
        close(fd);
    }
}
