/* The data path: recvmsg/sendmsg straight between a socket and the guest's
 * linear memory, through the bound scatter list (guest_iov.h). One crossing
 * per call with integers only, no allocation, no copy: reading typed-array
 * arguments cost more than the rest of the call, so they are bound once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "args.h"
#include "bindings.h"
#include "guest_iov.h"

static void unbind(napi_env env, guest_binding *binding) {
  if (binding->mem_ref != NULL) napi_delete_reference(env, binding->mem_ref);
  if (binding->pairs_ref != NULL) napi_delete_reference(env, binding->pairs_ref);
  memset(binding, 0, sizeof *binding);
}

static void finalize_binding(napi_env env, void *data, void *hint) {
  (void)hint;
  unbind(env, data);
  free(data);
}

bool guest_binding_init(napi_env env) {
  guest_binding *binding = calloc(1, sizeof *binding);
  if (binding == NULL) return false;
  if (napi_set_instance_data(env, binding, finalize_binding, NULL) != napi_ok) {
    free(binding);
    return false;
  }
  return true;
}

static guest_binding *binding_of(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

napi_value js_bind(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  void *mem, *pairs;
  size_t mem_length, pairs_length;
  if (!args_get(env, info, 2, argv) ||
      !arg_typed_array(env, "bind", "mem", argv[0], napi_uint8_array, &mem, &mem_length) ||
      !arg_typed_array(env, "bind", "iov", argv[1], napi_uint32_array, &pairs, &pairs_length))
    return NULL;
  guest_binding *binding = binding_of(env);
  unbind(env, binding);
  if (napi_create_reference(env, argv[0], 1, &binding->mem_ref) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &binding->pairs_ref) != napi_ok) {
    unbind(env, binding);
    return ret_int(env, -ENOMEM);
  }
  binding->mem = mem;
  binding->mem_length = mem_length;
  binding->pairs = pairs;
  binding->pairs_length = pairs_length;
  return ret_int(env, 0);
}

napi_value js_recv(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int fd, used;
  int64_t count;
  bool peek;
  struct iovec iov[GUEST_IOV_MAX];
  if (!args_get(env, info, 3, argv) || !arg_fd(env, "recv", "fd", argv[0], &fd) ||
      !arg_int(env, "recv", "iovCount", argv[1], 0, INT32_MAX, &count) || !arg_bool(env, "recv", "peek", argv[2], &peek))
    return NULL;
  int built = guest_iov_build(binding_of(env), count, iov, &used);
  if (built < 0) return ret_int(env, built);
  struct msghdr message = { .msg_iov = iov, .msg_iovlen = (size_t)used };
  ssize_t n = recvmsg(fd, &message, MSG_DONTWAIT | (peek ? MSG_PEEK : 0));
  return ret_int(env, n < 0 ? -errno : n);
}

napi_value js_send(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd, used;
  int64_t count;
  struct iovec iov[GUEST_IOV_MAX];
  if (!args_get(env, info, 2, argv) || !arg_fd(env, "send", "fd", argv[0], &fd) ||
      !arg_int(env, "send", "iovCount", argv[1], 0, INT32_MAX, &count))
    return NULL;
  int built = guest_iov_build(binding_of(env), count, iov, &used);
  if (built < 0) return ret_int(env, built);
  struct msghdr message = { .msg_iov = iov, .msg_iovlen = (size_t)used };
  /* Node ignores SIGPIPE process-wide, but an embedder may not: MSG_NOSIGNAL
   * makes a send to a vanished peer an EPIPE answer in every host. */
  ssize_t n = sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
  return ret_int(env, n < 0 ? -errno : n);
}
