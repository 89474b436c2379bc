/* listen_posix.c - native Linux: bind the --listen addresses and announce each
 * as "listening on HOST:PORT" on stdout. No event loop here: every native
 * program of the repository (the ev core's echo, http_mio) uses it. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "platform.h"

int platform_has_listen(void) { return 1; }

/* "HOST:PORT" or "[V6HOST]:PORT" */
static int split_addr(const char *spec, char *host, size_t hostlen, const char **port) {
    const char *colon;
    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');
        if (!end || end[1] != ':') return -1;
        if ((size_t)(end - spec - 1) >= hostlen) return -1;
        memcpy(host, spec + 1, (size_t)(end - spec - 1));
        host[end - spec - 1] = 0;
        colon = end + 1;
    } else {
        colon = strrchr(spec, ':');
        if (!colon || (size_t)(colon - spec) >= hostlen) return -1;
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = 0;
    }
    *port = colon + 1;
    if (!**port || !host[0]) return -1;
    return 0;
}

static int listen_on(const char *spec) {
    char host[256];
    const char *port;
    if (split_addr(spec, host, sizeof(host), &port) != 0) {
        fprintf(stderr, "--listen %s: expected HOST:PORT, e.g. 127.0.0.1:7007 or [::1]:7007\n", spec);
        return -1;
    }
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "--listen %s: %s\n", spec, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 511) != 0) {
        fprintf(stderr, "--listen %s: %s\n", spec, strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);

    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char shown[64];
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    getnameinfo((struct sockaddr *)&ss, sl, shown, sizeof(shown), NULL, 0, NI_NUMERICHOST);
    int bound = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                         : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    printf(ss.ss_family == AF_INET6 ? "listening on [%s]:%d\n" : "listening on %s:%d\n", shown, bound);
    fflush(stdout);
    return fd;
}

int platform_listeners(char **addrs, int naddrs, int *fds, int max) {
    if (naddrs == 0) {
        fprintf(stderr, "nothing to listen on: pass --listen HOST:PORT (e.g. --listen 127.0.0.1:7007)\n");
        return -1;
    }
    if (naddrs > max) {
        fprintf(stderr, "at most %d --listen addresses\n", max);
        return -1;
    }
    for (int i = 0; i < naddrs; i++) {
        fds[i] = listen_on(addrs[i]);
        if (fds[i] < 0) {
            while (i-- > 0) close(fds[i]);
            return -1;
        }
    }
    return naddrs;
}
