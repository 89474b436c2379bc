/* platform.h - what differs between WASI and a native POSIX build: where the
 * listening sockets come from, and process setup (signals, fd limits). */
#ifndef PLATFORM_H
#define PLATFORM_H

#include "ev.h"

#define PLATFORM_MAX_LISTENERS 16

/* Under WASI the host hands listeners over as fd 3, 4, ... (wasmtime's
 * --tcplisten convention) and `addrs` must be empty; natively each "HOST:PORT"
 * in `addrs` is bound and announced as "listening on HOST:PORT" on stdout.
 * Returns how many fds were stored, or -1 after printing why on stderr. */
int platform_listeners(char **addrs, int naddrs, int *fds, int max);

/* Natively: SIGINT/SIGTERM stop `loop`, SIGPIPE is ignored, and the soft fd
 * limit is raised towards `want_fds` (never above the hard limit). */
void platform_setup(ev_loop *loop, long want_fds);

/* True when this build can create listeners itself (--listen). */
int platform_has_listen(void);

#endif
