/* The addon's registration: the exported functions and the Linux constants
 * they take and give, read from the system headers so that JavaScript never
 * restates them. NAPI_MODULE_INIT makes the module context-aware: it can be
 * loaded by several worker threads at once, each with its own instance. */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "bindings.h"
#include "guest_iov.h"

static void set_constant(napi_env env, napi_value object, const char *name, int64_t value) {
  napi_value number;
  if (napi_create_int64(env, value, &number) == napi_ok) napi_set_named_property(env, object, name, number);
}

static napi_value constants(napi_env env) {
  napi_value object;
  if (napi_create_object(env, &object) != napi_ok) return NULL;
  set_constant(env, object, "EPOLL_CTL_ADD", EPOLL_CTL_ADD);
  set_constant(env, object, "EPOLL_CTL_DEL", EPOLL_CTL_DEL);
  set_constant(env, object, "EPOLL_CTL_MOD", EPOLL_CTL_MOD);
  set_constant(env, object, "EPOLLIN", EPOLLIN);
  set_constant(env, object, "EPOLLOUT", EPOLLOUT);
  set_constant(env, object, "EPOLLRDHUP", EPOLLRDHUP);
  set_constant(env, object, "EPOLLPRI", EPOLLPRI);
  set_constant(env, object, "EPOLLERR", EPOLLERR);
  set_constant(env, object, "EPOLLHUP", EPOLLHUP);
  set_constant(env, object, "EPOLLET", (uint32_t)EPOLLET);
  set_constant(env, object, "EPOLLONESHOT", EPOLLONESHOT);
  set_constant(env, object, "SHUT_RD", SHUT_RD);
  set_constant(env, object, "SHUT_WR", SHUT_WR);
  set_constant(env, object, "SHUT_RDWR", SHUT_RDWR);
  set_constant(env, object, "IOV_MAX", GUEST_IOV_MAX);
  set_constant(env, object, "IO_MAX", GUEST_IO_MAX);
  set_constant(env, object, "OPT_REUSEADDR", OPT_REUSEADDR);
  set_constant(env, object, "OPT_NODELAY", OPT_NODELAY);
  set_constant(env, object, "OPT_KEEPALIVE", OPT_KEEPALIVE);
  set_constant(env, object, "OPT_RCVBUF", OPT_RCVBUF);
  set_constant(env, object, "OPT_SNDBUF", OPT_SNDBUF);
  return object;
}

#define FUNCTION(name, callback) { name, NULL, callback, NULL, NULL, NULL, napi_enumerable, NULL }

NAPI_MODULE_INIT() {
  static const napi_property_descriptor functions[] = {
    FUNCTION("listen", js_listen),
    FUNCTION("localPort", js_local_port),
    FUNCTION("accept", js_accept),
    FUNCTION("bind", js_bind),
    FUNCTION("recv", js_recv),
    FUNCTION("send", js_send),
    FUNCTION("shutdown", js_shutdown),
    FUNCTION("close", js_close),
    FUNCTION("dup", js_dup),
    FUNCTION("inbound", js_inbound),
    FUNCTION("outboundRoom", js_outbound_room),
    FUNCTION("eventfd", js_eventfd),
    FUNCTION("wake", js_wake),
    FUNCTION("drain", js_drain),
    FUNCTION("epollCreate", js_epoll_create),
    FUNCTION("epollCtl", js_epoll_ctl),
    FUNCTION("epollWait", js_epoll_wait),
    FUNCTION("socket", js_socket),
    FUNCTION("bindSocket", js_bind_socket),
    FUNCTION("listenSocket", js_listen_socket),
    FUNCTION("connect", js_connect),
    FUNCTION("socketError", js_socket_error),
    FUNCTION("address", js_address),
    FUNCTION("setOption", js_set_option),
    FUNCTION("getOption", js_get_option),
    FUNCTION("stopOnSignals", js_stop_on_signals),
    FUNCTION("stopOnSignalsEnd", js_stop_on_signals_end),
  };
  if (!guest_binding_init(env)) return NULL;
  if (napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions) != napi_ok) return NULL;
  napi_value values = constants(env);
  if (values == NULL || napi_set_named_property(env, exports, "constants", values) != napi_ok) return NULL;
  return exports;
}
