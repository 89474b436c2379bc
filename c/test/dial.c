/* dial.c - a client or a server on sockets it opens itself (WASIX), for the
 * tests of `run` under a network policy.
 *
 *   dial HOST PORT [TRIES]   connect (blocking) TRIES times (default 1); each
 *                            time: send "ping", print what comes back
 *   listen HOST PORT         bind, listen, print the port, accept one
 *                            connection and echo it until EOF
 *
 * Prints one line per outcome ("connected", "echo: ping", "connect: EACCES"),
 * exits 0 when everything worked, 3 when a call failed. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasix/sockets.h>

static const char *name(int err) {
    switch (err) {
    case EACCES: return "EACCES";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EADDRINUSE: return "EADDRINUSE";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    default: return strerror(err);
    }
}

static int address(const char *host, int port, struct sockaddr_storage *out, socklen_t *length) {
    memset(out, 0, sizeof *out);
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *length = sizeof *v4;
        return AF_INET;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *length = sizeof *v6;
        return AF_INET6;
    }
    fprintf(stderr, "dial: not an IP address: %s\n", host);
    exit(2);
}

/* A stream socket of HOST's family, and HOST:PORT in *a; -1 (printed) when socket() fails. */
static int open_socket(const char *host, int port, struct sockaddr_storage *a, socklen_t *length) {
    int fd = socket(address(host, port, a, length), SOCK_STREAM, 0);
    if (fd < 0) printf("socket: %s\n", name(errno));
    return fd;
}

static int dial(const char *host, int port) {
    struct sockaddr_storage a;
    socklen_t length;
    int fd = open_socket(host, port, &a, &length);
    if (fd < 0) return 3;
    if (connect(fd, (struct sockaddr *)&a, length) < 0) {
        printf("connect: %s\n", name(errno));
        close(fd);
        return 3;
    }
    printf("connected\n");
    char buf[64];
    if (send(fd, "ping", 4, 0) != 4) {
        printf("send: %s\n", name(errno));
        return 3;
    }
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    if (n < 0) {
        printf("recv: %s\n", name(errno));
        return 3;
    }
    buf[n] = 0;
    printf("echo: %s\n", buf);
    close(fd);
    return 0;
}

static int serve(const char *host, int port) {
    struct sockaddr_storage a;
    socklen_t length;
    int fd = open_socket(host, port, &a, &length);
    if (fd < 0) return 3;
    if (bind(fd, (struct sockaddr *)&a, length) < 0) {
        printf("bind: %s\n", name(errno));
        return 3;
    }
    if (listen(fd, 16) < 0) {
        printf("listen: %s\n", name(errno));
        return 3;
    }
    length = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &length);
    printf("listening on %d\n", ntohs(((struct sockaddr_in *)&a)->sin_port));
    fflush(stdout);
    int conn = accept(fd, NULL, NULL);
    if (conn < 0) {
        printf("accept: %s\n", name(errno));
        return 3;
    }
    char buf[256];
    for (ssize_t n; (n = recv(conn, buf, sizeof buf, 0)) > 0;) send(conn, buf, (size_t)n, 0);
    close(conn);
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 4 && strcmp(argv[1], "dial") == 0) {
        int tries = argc >= 5 ? atoi(argv[4]) : 1;
        int status = 0;
        for (int i = 0; i < tries; i++) status |= dial(argv[2], atoi(argv[3]));
        return status;
    }
    if (argc >= 4 && strcmp(argv[1], "listen") == 0) return serve(argv[2], atoi(argv[3]));
    fprintf(stderr, "usage: dial.wasm dial HOST PORT [TRIES] | listen HOST PORT\n");
    return 2;
}
