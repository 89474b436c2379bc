/* Out of fds. A listener whose accept fails with EMFILE stays readable, so a
 * level-triggered loop would retry forever (a prototype spun 29.75M times).
 * libuv's answer, kept here: hold one spare fd; when accept hits EMFILE, free
 * the spare, accept each pending connection and close it at once (the peer
 * sees an orderly close), then take the spare again. The backlog empties, the
 * listener stops being readable, and the caller counts the refusals.
 *
 * One spare per thread that loaded the addon (napi instance data): all calls
 * on it come from that thread, so it needs no lock. The fd number stays
 * inside the addon, because between freeing and retaking it another thread
 * may be given that number. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "bindings.h"

/* accept4 calls per refusePending at most: the backlog may refill as fast as we empty it. */
#define REFUSE_MAX 1024

typedef struct {
  int fd; /* -1 when not held */
} spare_t;

static void spare_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  spare_t *spare = data;
  if (spare->fd >= 0) close(spare->fd);
  free(spare);
}

void spare_init(napi_env env) {
  spare_t *spare = malloc(sizeof *spare);
  if (spare == NULL) return; /* then reserveSpareFd answers -ENOMEM */
  spare->fd = -1;
  if (napi_set_instance_data(env, spare, spare_free, NULL) != napi_ok) free(spare);
}

static spare_t *spare_get(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

/* 0 when a spare is held (again), minus an errno when none could be opened. */
static int spare_take(spare_t *spare) {
  if (spare->fd >= 0) return 0;
  spare->fd = open("/", O_RDONLY | O_CLOEXEC);
  return spare->fd < 0 ? -errno : 0;
}

napi_value js_reserve_spare_fd(napi_env env, napi_callback_info info) {
  (void)info;
  spare_t *spare = spare_get(env);
  return ret_int(env, spare == NULL ? -ENOMEM : spare_take(spare));
}

napi_value js_refuse_pending(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int listen_fd;
  if (!args_get(env, info, 1, argv) || !arg_fd(env, "refusePending", "listenFd", argv[0], &listen_fd)) return NULL;
  spare_t *spare = spare_get(env);
  if (spare == NULL) return ret_int(env, -ENOMEM);
  /* No spare (it could not be retaken last time): try now, while fds may have been freed. */
  int error = spare_take(spare);
  if (error < 0) return ret_int(env, error);
  close(spare->fd);
  spare->fd = -1;
  int refused = 0;
  for (int tries = 0; tries < REFUSE_MAX; tries++) {
    int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      close(fd);
      refused++;
      continue;
    }
    /* A connection reset while queued is gone already: go on to the next. */
    if (errno == EINTR || errno == ECONNABORTED) continue;
    /* EAGAIN: the backlog is empty, the aim. Anything else (EMFILE again:
     * another thread took the freed fd) is reported only if nothing was refused. */
    if (refused == 0 && errno != EAGAIN) error = -errno;
    break;
  }
  spare_take(spare);
  return ret_int(env, refused > 0 ? refused : error);
}
