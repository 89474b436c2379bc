/* Every function the addon exports, one napi_callback each; module.c names
 * them for JavaScript and ts/transport/kernel/addon.ts documents them. All are
 * synchronous and answer minus a Linux errno on failure. */
#ifndef WASI_EVLOOP_BINDINGS_H
#define WASI_EVLOOP_BINDINGS_H

#include <stdbool.h>

#include <node_api.h>

/* sockets.c: listeners, connections and their state */
napi_value js_listen(napi_env env, napi_callback_info info);
napi_value js_local_port(napi_env env, napi_callback_info info);
napi_value js_accept(napi_env env, napi_callback_info info);
napi_value js_shutdown(napi_env env, napi_callback_info info);
napi_value js_close(napi_env env, napi_callback_info info);
napi_value js_dup(napi_env env, napi_callback_info info);
napi_value js_inbound(napi_env env, napi_callback_info info);
napi_value js_outbound_room(napi_env env, napi_callback_info info);

/* dial.c: sockets a module opens itself. OPT_* number the options of
 * setOption/getOption (exported as constants). */
enum { OPT_REUSEADDR, OPT_NODELAY, OPT_KEEPALIVE, OPT_RCVBUF, OPT_SNDBUF, OPT_COUNT };
napi_value js_socket(napi_env env, napi_callback_info info);
napi_value js_bind_socket(napi_env env, napi_callback_info info);
napi_value js_listen_socket(napi_env env, napi_callback_info info);
napi_value js_connect(napi_env env, napi_callback_info info);
napi_value js_socket_error(napi_env env, napi_callback_info info);
napi_value js_address(napi_env env, napi_callback_info info);
napi_value js_set_option(napi_env env, napi_callback_info info);
napi_value js_get_option(napi_env env, napi_callback_info info);

/* io.c: the data path, straight between a socket and guest memory */
bool guest_binding_init(napi_env env);
napi_value js_bind(napi_env env, napi_callback_info info);
napi_value js_recv(napi_env env, napi_callback_info info);
napi_value js_send(napi_env env, napi_callback_info info);

/* events.c: epoll and the eventfd that wakes a blocked epoll_wait */
napi_value js_eventfd(napi_env env, napi_callback_info info);
napi_value js_wake(napi_env env, napi_callback_info info);
napi_value js_drain(napi_env env, napi_callback_info info);
napi_value js_epoll_create(napi_env env, napi_callback_info info);
napi_value js_epoll_ctl(napi_env env, napi_callback_info info);
napi_value js_epoll_wait(napi_env env, napi_callback_info info);

/* signals.c: SIGINT/SIGTERM stop a module on the main thread; a watchdog ends it after the grace */
napi_value js_stop_on_signals(napi_env env, napi_callback_info info);
napi_value js_stop_on_signals_end(napi_env env, napi_callback_info info);

#endif
