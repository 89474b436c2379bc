/* Listeners and connections: creating, accepting, ending, and asking the
 * kernel about their state. The data path is in io.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "bindings.h"

/* Every accepted connection is watched for everything, edge-triggered: the
 * transport keeps a readiness cache that each event refreshes, so one
 * registration at accept time is all the epoll_ctl a connection costs. */
#define CONNECTION_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)

static int close_keeping_errno(int fd, int error) {
  close(fd);
  return -error;
}

static int listen_on(const struct sockaddr *address, socklen_t length, int backlog, bool reuse_port) {
  int fd = socket(address->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int on = 1;
  /* A restarted server must not wait for its old connections' TIME_WAIT. */
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0) return close_keeping_errno(fd, errno);
  /* Several instances of a module, each with its own listener on one address:
   * the kernel spreads new connections across them. Only before bind, and only
   * listeners of the same user join the group. */
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) < 0) return close_keeping_errno(fd, errno);
  /* ::1 means IPv6 only; a dual-stack wildcard would be a second, hidden listener. */
  if (address->sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0)
    return close_keeping_errno(fd, errno);
  if (bind(fd, address, length) < 0) return close_keeping_errno(fd, errno);
  if (listen(fd, backlog) < 0) return close_keeping_errno(fd, errno);
  return fd;
}

napi_value js_listen(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int64_t port, backlog;
  bool reuse_port = false;
  char ip[INET6_ADDRSTRLEN + 1];
  size_t ip_length;
  napi_valuetype fourth;
  if (!args_get(env, info, 4, argv)) return NULL;
  if (!arg_string(env, "listen", "ip", argv[0], ip, sizeof ip, &ip_length)) return NULL;
  if (!arg_int(env, "listen", "port", argv[1], 0, 65535, &port)) return NULL;
  if (!arg_int(env, "listen", "backlog", argv[2], 0, INT32_MAX, &backlog)) return NULL;
  if (napi_typeof(env, argv[3], &fourth) != napi_ok) return NULL;
  if (fourth != napi_undefined && !arg_bool(env, "listen", "reusePort", argv[3], &reuse_port)) return NULL;

  struct sockaddr_in v4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
  struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
  /* A string that filled the buffer was cut, and one with a NUL inside is
   * more than inet_pton reads: neither is an address, whatever its prefix is. */
  bool whole = ip_length < sizeof ip - 1 && strlen(ip) == ip_length;
  if (whole && inet_pton(AF_INET, ip, &v4.sin_addr) == 1)
    return ret_int(env, listen_on((struct sockaddr *)&v4, sizeof v4, (int)backlog, reuse_port));
  if (whole && inet_pton(AF_INET6, ip, &v6.sin6_addr) == 1)
    return ret_int(env, listen_on((struct sockaddr *)&v6, sizeof v6, (int)backlog, reuse_port));

  char message[INET6_ADDRSTRLEN + 160];
  snprintf(message, sizeof message,
           "listen(): ip must be a numeric IPv4 or IPv6 address such as '127.0.0.1' or '::1' "
           "(resolve host names first), got '%s%s'%s", ip, ip_length < sizeof ip - 1 ? "" : "...",
           strlen(ip) < ip_length ? " followed by a NUL byte" : "");
  napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", message);
  return NULL;
}

napi_value js_local_port(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!args_get(env, info, 1, argv) || !arg_fd(env, "localPort", "fd", argv[0], &fd)) return NULL;
  struct sockaddr_storage address;
  socklen_t length = sizeof address;
  if (getsockname(fd, (struct sockaddr *)&address, &length) < 0) return ret_int(env, -errno);
  if (address.ss_family == AF_INET) return ret_int(env, ntohs(((struct sockaddr_in *)&address)->sin_port));
  if (address.ss_family == AF_INET6) return ret_int(env, ntohs(((struct sockaddr_in6 *)&address)->sin6_port));
  return ret_int(env, -EAFNOSUPPORT);
}

napi_value js_accept(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int listen_fd, epfd;
  if (!args_get(env, info, 2, argv) || !arg_fd(env, "accept", "listenFd", argv[0], &listen_fd) ||
      !arg_fd(env, "accept", "epfd", argv[1], &epfd))
    return NULL;
  int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return ret_int(env, -errno);
  /* The echo core answers with small writes: Nagle would hold each reply for
   * the peer's delayed ACK. Not fatal if refused (it is only latency). */
  int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  struct epoll_event event = { .events = CONNECTION_EVENTS, .data.fd = fd };
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) < 0) return ret_int(env, close_keeping_errno(fd, errno));
  return ret_int(env, fd);
}

napi_value js_shutdown(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd;
  int64_t how;
  if (!args_get(env, info, 2, argv) || !arg_fd(env, "shutdown", "fd", argv[0], &fd) ||
      !arg_int(env, "shutdown", "how (SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2)", argv[1], SHUT_RD, SHUT_RDWR, &how))
    return NULL;
  return ret_int(env, shutdown(fd, (int)how) < 0 ? -errno : 0);
}

napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!args_get(env, info, 1, argv) || !arg_fd(env, "close", "fd", argv[0], &fd)) return NULL;
  /* On Linux the fd is released even when close reports EINTR: never retry. */
  if (close(fd) < 0 && errno != EINTR) return ret_int(env, -errno);
  return ret_int(env, 0);
}

napi_value js_dup(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!args_get(env, info, 1, argv) || !arg_fd(env, "dup", "fd", argv[0], &fd)) return NULL;
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return ret_int(env, copy < 0 ? -errno : copy);
}

napi_value js_inbound(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!args_get(env, info, 1, argv) || !arg_fd(env, "inbound", "fd", argv[0], &fd)) return NULL;
  int bytes = 0;
  if (ioctl(fd, SIOCINQ, &bytes) < 0) return ret_int(env, -errno);
  return ret_int(env, bytes);
}

napi_value js_outbound_room(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!args_get(env, info, 1, argv) || !arg_fd(env, "outboundRoom", "fd", argv[0], &fd)) return NULL;
  int limit = 0, queued = 0;
  socklen_t length = sizeof limit;
  if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &limit, &length) < 0) return ret_int(env, -errno);
  if (ioctl(fd, SIOCOUTQ, &queued) < 0) return ret_int(env, -errno);
  /* SO_SNDBUF counts the kernel's bookkeeping too (it doubles what was set),
   * so this is an upper bound on what one send would take, which is what
   * poll_oneoff's nbytes promises. */
  return ret_int(env, limit > queued ? limit - queued : 0);
}
