/* <wasix/sockets.h> for wasm32-wasip1: the POSIX socket calls that
 * wasi-libc leaves out of preview1 (socket, connect, bind, listen,
 * getsockname, getpeername, setsockopt, and getsockopt's SO_ERROR), on top of
 * WASIX's socket imports (module "wasix_32v1"), which a host such as
 * wasi-evloop or Wasmer provides; c/socket_wasix.c implements them. Natively
 * <sys/socket.h> has them all: include this in the WASI build only.
 *
 * The imports and their struct are as wasix-org/wasix-witx's wasix_v1.witx
 * lowers them (wasix-org/wasix-libc: libc-bottom-half/sources/__wasixlibc_real.c
 * for the signatures, headers/public/wasi/api_wasix.h for __wasi_addr_port_t):
 * every argument an i32 (sock_set_opt_size's size an i64), the result a WASI
 * errno, which is wasi-libc's errno value. */
#ifndef WASI_EVLOOP_WASIX_SOCKETS_H
#define WASI_EVLOOP_WASIX_SOCKETS_H

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Options wasi-libc's preview1 headers do not name (Linux's values). */
#ifndef SO_REUSEADDR
#define SO_REUSEADDR 2
#endif
#ifndef SO_ERROR
#define SO_ERROR 4
#endif
#ifndef SO_SNDBUF
#define SO_SNDBUF 7
#endif
#ifndef SO_RCVBUF
#define SO_RCVBUF 8
#endif
#ifndef SO_KEEPALIVE
#define SO_KEEPALIVE 9
#endif

/* __wasi_addr_port_t, 110 bytes: the family tag, then at offset 2 the port
 * (a u16 in the module's byte order, little-endian) and the address octets
 * in network order (4 for inet4; 16 for inet6, then flow info and scope id). */
typedef struct wasix_addr_port {
    uint8_t tag;
    uint8_t pad;
    uint16_t port;
    uint8_t octets[16];
    uint16_t flow_info1, flow_info0, scope_id1, scope_id0;
    uint8_t unused[82];
} wasix_addr_port;

_Static_assert(sizeof(wasix_addr_port) == 110, "__wasi_addr_port_t is 110 bytes");
_Static_assert(offsetof(wasix_addr_port, port) == 2, "the port is at offset 2");
_Static_assert(offsetof(wasix_addr_port, octets) == 4, "the address at offset 4");
_Static_assert(offsetof(wasix_addr_port, flow_info1) == 20, "inet6 flow info at offset 20");
_Static_assert(offsetof(wasix_addr_port, scope_id1) == 24, "inet6 scope id at offset 24");

enum {
    WASIX_ADDRESS_FAMILY_INET4 = 1,
    WASIX_ADDRESS_FAMILY_INET6 = 2,
    WASIX_SOCK_TYPE_STREAM = 1,
    WASIX_SOCK_TYPE_DGRAM = 2,
    WASIX_SOCK_OPTION_REUSE_ADDR = 2,
    WASIX_SOCK_OPTION_NO_DELAY = 3,
    WASIX_SOCK_OPTION_LAST_ERROR = 11,
    WASIX_SOCK_OPTION_KEEP_ALIVE = 12,
    WASIX_SOCK_OPTION_RECV_BUF_SIZE = 15,
    WASIX_SOCK_OPTION_SEND_BUF_SIZE = 16,
};

int socket(int domain, int type, int protocol);
int connect(int fd, const struct sockaddr *address, socklen_t length);
int bind(int fd, const struct sockaddr *address, socklen_t length);
int listen(int fd, int backlog);
int getsockname(int fd, struct sockaddr *address, socklen_t *length);
int getpeername(int fd, struct sockaddr *address, socklen_t *length);
int setsockopt(int fd, int level, int name, const void *value, socklen_t length);

/* wasi-libc's getsockopt knows only SO_TYPE: calls go to this one, which
 * also answers SO_ERROR (the outcome of a nonblocking connect), SO_RCVBUF,
 * SO_SNDBUF, SO_REUSEADDR, SO_KEEPALIVE and TCP_NODELAY. */
int wasix_getsockopt(int fd, int level, int name, void *value, socklen_t *length);
#define getsockopt wasix_getsockopt

#ifdef __cplusplus
}
#endif

#endif
