/* The data path: recvmsg/sendmsg straight between a socket and the guest's
 * linear memory. One crossing per call, no allocation, no copy. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "args.h"
#include "bindings.h"
#include "guest_iov.h"

napi_value js_recv(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int fd, count;
  bool peek;
  struct iovec iov[GUEST_IOV_MAX];
  if (!args_get(env, info, 5, argv) || !arg_fd(env, "recv", "fd", argv[0], &fd)) return NULL;
  int built = guest_iov_build(env, "recv", argv[1], argv[2], argv[3], iov, &count);
  if (built == GUEST_IOV_THREW || !arg_bool(env, "recv", "peek", argv[4], &peek)) return NULL;
  if (built < 0) return ret_int(env, built);
  struct msghdr message = { .msg_iov = iov, .msg_iovlen = (size_t)count };
  ssize_t n = recvmsg(fd, &message, MSG_DONTWAIT | (peek ? MSG_PEEK : 0));
  return ret_int(env, n < 0 ? -errno : n);
}

napi_value js_send(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int fd, count;
  struct iovec iov[GUEST_IOV_MAX];
  if (!args_get(env, info, 4, argv) || !arg_fd(env, "send", "fd", argv[0], &fd)) return NULL;
  int built = guest_iov_build(env, "send", argv[1], argv[2], argv[3], iov, &count);
  if (built == GUEST_IOV_THREW) return NULL;
  if (built < 0) return ret_int(env, built);
  struct msghdr message = { .msg_iov = iov, .msg_iovlen = (size_t)count };
  /* Node ignores SIGPIPE process-wide, but an embedder may not: MSG_NOSIGNAL
   * makes a send to a vanished peer an EPIPE answer in every host. */
  ssize_t n = sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
  return ret_int(env, n < 0 ? -errno : n);
}
