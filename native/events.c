/* epoll, and the eventfd through which another thread ends a blocked
 * epoll_wait (the owner thread stopping the module, or a process 'exit' hook:
 * worker.terminate() and process exit both wait for a worker that is blocked
 * in a syscall, forever). */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "args.h"
#include "bindings.h"

/* Events returned by one epollWait at most; the rest wait for the next call.
 * Sized for the stack (12 KiB), so a call allocates nothing. */
#define EPOLL_WAIT_MAX 1024

napi_value js_eventfd(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  return ret_int(env, fd < 0 ? -errno : fd);
}

napi_value js_wake(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!args_get(env, info, 1, argv) || !arg_fd(env, "wake", "efd", argv[0], &fd)) return NULL;
  /* write(2) on an eventfd is atomic and thread-safe: any thread may call this. */
  uint64_t one = 1;
  return ret_int(env, write(fd, &one, sizeof one) < 0 ? -errno : 0);
}

napi_value js_drain(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!args_get(env, info, 1, argv) || !arg_fd(env, "drain", "efd", argv[0], &fd)) return NULL;
  uint64_t count;
  return ret_int(env, read(fd, &count, sizeof count) < 0 ? -errno : 0);
}

napi_value js_epoll_create(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = epoll_create1(EPOLL_CLOEXEC);
  return ret_int(env, fd < 0 ? -errno : fd);
}

napi_value js_epoll_ctl(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int epfd, fd;
  int64_t op, events;
  if (!args_get(env, info, 4, argv) || !arg_fd(env, "epollCtl", "epfd", argv[0], &epfd) ||
      !arg_int(env, "epollCtl", "op", argv[1], INT32_MIN, INT32_MAX, &op) ||
      !arg_fd(env, "epollCtl", "fd", argv[2], &fd) ||
      /* Any 32-bit mask: EPOLLET is bit 31, so it arrives as 2147483648 or, from `|` in JS, as a negative int32. */
      !arg_int(env, "epollCtl", "events", argv[3], INT32_MIN, UINT32_MAX, &events))
    return NULL;
  struct epoll_event event = { .events = (uint32_t)events, .data.fd = fd };
  return ret_int(env, epoll_ctl(epfd, (int)op, fd, &event) < 0 ? -errno : 0);
}

napi_value js_epoll_wait(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int epfd;
  int32_t *out;
  size_t out_length;
  int64_t timeout;
  struct epoll_event events[EPOLL_WAIT_MAX];
  if (!args_get(env, info, 3, argv) || !arg_fd(env, "epollWait", "epfd", argv[0], &epfd) ||
      !arg_typed_array(env, "epollWait", "out", argv[1], napi_int32_array, (void **)&out, &out_length) ||
      !arg_int(env, "epollWait", "timeoutMs", argv[2], -1, INT32_MAX, &timeout))
    return NULL;
  if (out_length < 2) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "epollWait(): out must hold at least one (fd, events) pair");
    return NULL;
  }
  int max = out_length / 2 < EPOLL_WAIT_MAX ? (int)(out_length / 2) : EPOLL_WAIT_MAX;
  int n = epoll_wait(epfd, events, max, (int)timeout);
  if (n < 0) return ret_int(env, -errno);
  /* The view was read before the wait and nothing in JavaScript ran since, so
   * `out` still points at live memory. struct epoll_event is packed on x86-64
   * and not on arm64: JavaScript only ever sees these flat pairs. */
  for (int i = 0; i < n; i++) {
    out[2 * i] = events[i].data.fd;
    out[2 * i + 1] = (int32_t)events[i].events;
  }
  return ret_int(env, n);
}
