/* socket_wasix.c - the POSIX socket calls of <wasix/sockets.h> translated to
 * WASIX's socket imports. Like wasi-libc's bottom half: convert the
 * arguments, call, convert the error; nothing else. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <wasix/sockets.h>

#define WASIX_IMPORT(name) __attribute__((import_module("wasix_32v1"), import_name(name)))

WASIX_IMPORT("sock_open") int32_t __wasix_sock_open(int32_t af, int32_t type, int32_t proto, int32_t *ret_fd);
WASIX_IMPORT("sock_bind") int32_t __wasix_sock_bind(int32_t fd, const wasix_addr_port *address);
WASIX_IMPORT("sock_listen") int32_t __wasix_sock_listen(int32_t fd, int32_t backlog);
WASIX_IMPORT("sock_connect") int32_t __wasix_sock_connect(int32_t fd, const wasix_addr_port *address);
WASIX_IMPORT("sock_addr_local") int32_t __wasix_sock_addr_local(int32_t fd, wasix_addr_port *ret);
WASIX_IMPORT("sock_addr_peer") int32_t __wasix_sock_addr_peer(int32_t fd, wasix_addr_port *ret);
WASIX_IMPORT("sock_set_opt_flag") int32_t __wasix_sock_set_opt_flag(int32_t fd, int32_t option, int32_t flag);
WASIX_IMPORT("sock_get_opt_flag") int32_t __wasix_sock_get_opt_flag(int32_t fd, int32_t option, uint8_t *ret);
WASIX_IMPORT("sock_set_opt_size") int32_t __wasix_sock_set_opt_size(int32_t fd, int32_t option, int64_t size);
WASIX_IMPORT("sock_get_opt_size") int32_t __wasix_sock_get_opt_size(int32_t fd, int32_t option, uint64_t *ret);

static int fail(int32_t err) {
    errno = err;
    return -1;
}

/* A sockaddr_in or sockaddr_in6 as WASIX's address; EAFNOSUPPORT for any other, EINVAL for a short one. */
static int to_wasix(const struct sockaddr *address, socklen_t length, wasix_addr_port *out) {
    memset(out, 0, sizeof *out);
    if (address == NULL) return EFAULT;
    if (address->sa_family == AF_INET) {
        if (length < sizeof(struct sockaddr_in)) return EINVAL;
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
        out->tag = WASIX_ADDRESS_FAMILY_INET4;
        out->port = ntohs(v4->sin_port);
        memcpy(out->octets, &v4->sin_addr, 4);
        return 0;
    }
    if (address->sa_family == AF_INET6) {
        if (length < sizeof(struct sockaddr_in6)) return EINVAL;
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)address;
        out->tag = WASIX_ADDRESS_FAMILY_INET6;
        out->port = ntohs(v6->sin6_port);
        memcpy(out->octets, &v6->sin6_addr, 16);
        return 0;
    }
    return EAFNOSUPPORT;
}

/* WASIX's address as a sockaddr, cut to *length as getsockname(2) cuts it; *length becomes the full size. */
static void from_wasix(const wasix_addr_port *in, struct sockaddr *address, socklen_t *length) {
    struct sockaddr_in6 v6;
    struct sockaddr_in v4;
    const void *full;
    socklen_t size;
    if (in->tag == WASIX_ADDRESS_FAMILY_INET6) {
        memset(&v6, 0, sizeof v6);
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(in->port);
        memcpy(&v6.sin6_addr, in->octets, 16);
        full = &v6;
        size = sizeof v6;
    } else {
        memset(&v4, 0, sizeof v4);
        v4.sin_family = in->tag == WASIX_ADDRESS_FAMILY_INET4 ? AF_INET : AF_UNSPEC;
        v4.sin_port = htons(in->port);
        memcpy(&v4.sin_addr, in->octets, 4);
        full = &v4;
        size = sizeof v4;
    }
    memcpy(address, full, *length < size ? *length : size);
    *length = size;
}

int socket(int domain, int type, int protocol) {
    int32_t af = domain == AF_INET ? WASIX_ADDRESS_FAMILY_INET4 : domain == AF_INET6 ? WASIX_ADDRESS_FAMILY_INET6 : -1;
    if (af < 0) return fail(EAFNOSUPPORT);
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    int32_t wtype = base == SOCK_STREAM ? WASIX_SOCK_TYPE_STREAM : base == SOCK_DGRAM ? WASIX_SOCK_TYPE_DGRAM : -1;
    if (wtype < 0) return fail(EPROTOTYPE);
    int32_t fd;
    int32_t err = __wasix_sock_open(af, wtype, protocol, &fd);
    if (err) return fail(err);
    if ((type & SOCK_NONBLOCK) && fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
        int saved = errno;
        close(fd);
        return fail(saved);
    }
    return fd;
}

int connect(int fd, const struct sockaddr *address, socklen_t length) {
    wasix_addr_port a;
    int err = to_wasix(address, length, &a);
    if (!err) err = __wasix_sock_connect(fd, &a);
    return err ? fail(err) : 0;
}

int bind(int fd, const struct sockaddr *address, socklen_t length) {
    wasix_addr_port a;
    int err = to_wasix(address, length, &a);
    if (!err) err = __wasix_sock_bind(fd, &a);
    return err ? fail(err) : 0;
}

int listen(int fd, int backlog) {
    int32_t err = __wasix_sock_listen(fd, backlog);
    return err ? fail(err) : 0;
}

int getsockname(int fd, struct sockaddr *address, socklen_t *length) {
    wasix_addr_port a;
    int32_t err = __wasix_sock_addr_local(fd, &a);
    if (err) return fail(err);
    from_wasix(&a, address, length);
    return 0;
}

int getpeername(int fd, struct sockaddr *address, socklen_t *length) {
    wasix_addr_port a;
    int32_t err = __wasix_sock_addr_peer(fd, &a);
    if (err) return fail(err);
    from_wasix(&a, address, length);
    return 0;
}

/* The WASIX option for a (level, name), whether it is a flag, or -1. */
static int option_of(int level, int name, int *flag) {
    *flag = 1;
    if (level == IPPROTO_TCP && name == TCP_NODELAY) return WASIX_SOCK_OPTION_NO_DELAY;
    if (level != SOL_SOCKET) return -1;
    switch (name) {
    case SO_REUSEADDR: return WASIX_SOCK_OPTION_REUSE_ADDR;
    case SO_KEEPALIVE: return WASIX_SOCK_OPTION_KEEP_ALIVE;
    case SO_ERROR: *flag = 0; return WASIX_SOCK_OPTION_LAST_ERROR;
    case SO_RCVBUF: *flag = 0; return WASIX_SOCK_OPTION_RECV_BUF_SIZE;
    case SO_SNDBUF: *flag = 0; return WASIX_SOCK_OPTION_SEND_BUF_SIZE;
    default: return -1;
    }
}

int setsockopt(int fd, int level, int name, const void *value, socklen_t length) {
    int flag;
    int option = option_of(level, name, &flag);
    if (option < 0 || option == WASIX_SOCK_OPTION_LAST_ERROR) return fail(ENOPROTOOPT);
    if (value == NULL || length < sizeof(int)) return fail(EINVAL);
    int v;
    memcpy(&v, value, sizeof v);
    int32_t err = flag ? __wasix_sock_set_opt_flag(fd, option, v != 0) : __wasix_sock_set_opt_size(fd, option, v < 0 ? 0 : v);
    return err ? fail(err) : 0;
}

#undef getsockopt
int getsockopt(int fd, int level, int name, void *restrict value, socklen_t *restrict length);

int wasix_getsockopt(int fd, int level, int name, void *value, socklen_t *length) {
    int flag;
    int option = option_of(level, name, &flag);
    if (option < 0) return getsockopt(fd, level, name, value, length);
    if (value == NULL || length == NULL || *length < sizeof(int)) return fail(EINVAL);
    int v;
    int32_t err;
    if (flag) {
        uint8_t on = 0;
        err = __wasix_sock_get_opt_flag(fd, option, &on);
        v = on;
    } else {
        uint64_t size = 0;
        err = __wasix_sock_get_opt_size(fd, option, &size);
        v = (int)size;
    }
    if (err) return fail(err);
    memcpy(value, &v, sizeof v);
    *length = sizeof v;
    return 0;
}
