/* platform_wasi.c - listeners are preopened sockets at fd 3, 4, ... */
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#include "platform.h"

int platform_has_listen(void) { return 0; }

void platform_setup(ev_loop *loop, long want_fds) {
    /* WASI has no signals and no fd limits to raise: the host stops the
     * server by making its listeners report hangup (see echo.c). */
    (void)loop; (void)want_fds;
}

int platform_listeners(char **addrs, int naddrs, int *fds, int max) {
    (void)addrs;
    if (naddrs > 0) {
        fprintf(stderr, "--listen is for native builds; under WASI the host passes "
                        "listening sockets (e.g. wasi-evloop run --tcplisten HOST:PORT)\n");
        return -1;
    }
    int n = 0;
    for (int fd = 3; n < max; fd++) {
        __wasi_fdstat_t st;
        if (__wasi_fd_fdstat_get((__wasi_fd_t)fd, &st) != 0) break;
        if (st.fs_filetype != __WASI_FILETYPE_SOCKET_STREAM) break;
        /* Hosts hand listeners over blocking (wasmtime does); the loop accepts
         * until EAGAIN, so they must not block. */
        int flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
            fprintf(stderr, "listener fd=%d: cannot make it nonblocking: %s\n", fd, strerror(errno));
            return -1;
        }
        fds[n++] = fd;
    }
    if (n == 0) {
        fprintf(stderr, "no listening socket at fd 3: start this module with a host that "
                        "passes one (wasi-evloop run --tcplisten 127.0.0.1:7007 MODULE.wasm)\n");
        return -1;
    }
    return n;
}
