/* Sockets a module opens itself (WASIX sock_open & co): creating one,
 * binding, listening, connecting without blocking, the pending error, the
 * addresses and the options. Every call is one syscall (or two) and answers
 * minus a Linux errno on failure; ts/transport/kernel/addon.ts documents them. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "args.h"
#include "bindings.h"

/* What an `ip` argument may be: a numeric IPv4 or IPv6 address. */
typedef union {
    struct sockaddr any;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
} address;

/* Parses (ip, port) into `out`; false (with a TypeError thrown) for a string
 * that is no numeric address: the transport gives canonical literals only. */
static bool ip_port(napi_env env, const char *fn, napi_value ip_value, napi_value port_value, address *out,
                    socklen_t *length) {
    char ip[INET6_ADDRSTRLEN + 1];
    size_t ip_length;
    int64_t port;
    if (!arg_string(env, fn, "ip", ip_value, ip, sizeof ip, &ip_length)) return false;
    if (!arg_int(env, fn, "port", port_value, 0, 65535, &port)) return false;
    memset(out, 0, sizeof *out);
    bool whole = ip_length < sizeof ip - 1 && strlen(ip) == ip_length;
    if (whole && inet_pton(AF_INET, ip, &out->v4.sin_addr) == 1) {
        out->v4.sin_family = AF_INET;
        out->v4.sin_port = htons((uint16_t)port);
        *length = sizeof out->v4;
        return true;
    }
    if (whole && inet_pton(AF_INET6, ip, &out->v6.sin6_addr) == 1) {
        out->v6.sin6_family = AF_INET6;
        out->v6.sin6_port = htons((uint16_t)port);
        *length = sizeof out->v6;
        return true;
    }
    char message[INET6_ADDRSTRLEN + 96];
    snprintf(message, sizeof message, "%s(): ip must be a numeric IPv4 or IPv6 address, got '%s%s'", fn, ip,
             whole ? "" : "...");
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", message);
    return false;
}

napi_value js_socket(napi_env env, napi_callback_info info) {
    napi_value argv[1];
    int64_t family;
    if (!args_get(env, info, 1, argv) || !arg_int(env, "socket", "family (4 or 6)", argv[0], 4, 6, &family)) return NULL;
    if (family == 5) {
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "socket(): family must be 4 or 6, got 5");
        return NULL;
    }
    int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return ret_int(env, fd < 0 ? -errno : fd);
}

/* The arguments (fd, ip, port) of bindSocket() and connect(). */
static bool fd_ip_port(napi_env env, napi_callback_info info, const char *fn, int *fd, address *a, socklen_t *length) {
    napi_value argv[3];
    return args_get(env, info, 3, argv) && arg_fd(env, fn, "fd", argv[0], fd) && ip_port(env, fn, argv[1], argv[2], a, length);
}

napi_value js_bind_socket(napi_env env, napi_callback_info info) {
    int fd;
    address a;
    socklen_t length;
    if (!fd_ip_port(env, info, "bindSocket", &fd, &a, &length)) return NULL;
    return ret_int(env, bind(fd, &a.any, length) < 0 ? -errno : 0);
}

napi_value js_listen_socket(napi_env env, napi_callback_info info) {
    napi_value argv[2];
    int fd;
    int64_t backlog;
    if (!args_get(env, info, 2, argv) || !arg_fd(env, "listenSocket", "fd", argv[0], &fd) ||
        !arg_int(env, "listenSocket", "backlog", argv[1], 0, INT32_MAX, &backlog))
        return NULL;
    return ret_int(env, listen(fd, (int)backlog) < 0 ? -errno : 0);
}

napi_value js_connect(napi_env env, napi_callback_info info) {
    int fd;
    address a;
    socklen_t length;
    if (!fd_ip_port(env, info, "connect", &fd, &a, &length)) return NULL;
    /* The socket is nonblocking: -EINPROGRESS while the handshake is under way. */
    return ret_int(env, connect(fd, &a.any, length) < 0 ? -errno : 0);
}

napi_value js_socket_error(napi_env env, napi_callback_info info) {
    napi_value argv[1];
    int fd;
    if (!args_get(env, info, 1, argv) || !arg_fd(env, "socketError", "fd", argv[0], &fd)) return NULL;
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) return ret_int(env, -errno);
    return ret_int(env, error);
}

/* address(fd, peer, out): getsockname (peer false) or getpeername (peer true).
 * The address's 4 or 16 octets go to out[0..]; the answer is
 * family << 16 | port (family 4 or 6), or minus an errno. */
napi_value js_address(napi_env env, napi_callback_info info) {
    napi_value argv[3];
    int fd;
    bool peer;
    uint8_t *out;
    size_t out_length;
    if (!args_get(env, info, 3, argv) || !arg_fd(env, "address", "fd", argv[0], &fd) ||
        !arg_bool(env, "address", "peer", argv[1], &peer) ||
        !arg_typed_array(env, "address", "out", argv[2], napi_uint8_array, (void **)&out, &out_length))
        return NULL;
    if (out_length < 16) {
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "address(): out must hold 16 bytes");
        return NULL;
    }
    struct sockaddr_storage a;
    socklen_t length = sizeof a;
    int r = peer ? getpeername(fd, (struct sockaddr *)&a, &length) : getsockname(fd, (struct sockaddr *)&a, &length);
    if (r < 0) return ret_int(env, -errno);
    if (a.ss_family == AF_INET) {
        struct sockaddr_in *v4 = (struct sockaddr_in *)&a;
        memcpy(out, &v4->sin_addr, 4);
        return ret_int(env, (4 << 16) | ntohs(v4->sin_port));
    }
    if (a.ss_family == AF_INET6) {
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a;
        memcpy(out, &v6->sin6_addr, 16);
        return ret_int(env, (6 << 16) | ntohs(v6->sin6_port));
    }
    return ret_int(env, -EAFNOSUPPORT);
}

/* The options a module may set, by the numbers module.c exports as OPT_*. */
static const struct { int level, name; } options[] = {
    [OPT_REUSEADDR] = { SOL_SOCKET, SO_REUSEADDR },
    [OPT_NODELAY] = { IPPROTO_TCP, TCP_NODELAY },
    [OPT_KEEPALIVE] = { SOL_SOCKET, SO_KEEPALIVE },
    [OPT_RCVBUF] = { SOL_SOCKET, SO_RCVBUF },
    [OPT_SNDBUF] = { SOL_SOCKET, SO_SNDBUF },
};

static bool option_args(napi_env env, napi_callback_info info, const char *fn, size_t n, napi_value *argv, int *fd,
                        int *option) {
    int64_t which;
    if (!args_get(env, info, n, argv) || !arg_fd(env, fn, "fd", argv[0], fd) ||
        !arg_int(env, fn, "option (OPT_*)", argv[1], 0, OPT_COUNT - 1, &which))
        return false;
    *option = (int)which;
    return true;
}

napi_value js_set_option(napi_env env, napi_callback_info info) {
    napi_value argv[3];
    int fd, option;
    int64_t value;
    if (!option_args(env, info, "setOption", 3, argv, &fd, &option) ||
        !arg_int(env, "setOption", "value", argv[2], 0, INT32_MAX, &value))
        return NULL;
    int v = (int)value;
    return ret_int(env, setsockopt(fd, options[option].level, options[option].name, &v, sizeof v) < 0 ? -errno : 0);
}

napi_value js_get_option(napi_env env, napi_callback_info info) {
    napi_value argv[2];
    int fd, option;
    if (!option_args(env, info, "getOption", 2, argv, &fd, &option)) return NULL;
    int v = 0;
    socklen_t length = sizeof v;
    if (getsockopt(fd, options[option].level, options[option].name, &v, &length) < 0) return ret_int(env, -errno);
    return ret_int(env, v);
}
