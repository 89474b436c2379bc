/* platform_posix.c - native Linux: signals stop the loop, fd limits raised.
 * The listeners are listen_posix.c's (programs without the ev loop use them too). */
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "platform.h"

static ev_loop *signal_loop;

static void on_stop_signal(int sig) {
    (void)sig;
    if (signal_loop) ev_stop(signal_loop);
}

void platform_setup(ev_loop *loop, long want_fds) {
    signal_loop = loop;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: the blocked select/poll/epoll_wait must return EINTR so
     * the loop sees the stop flag. */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && (rlim_t)want_fds > rl.rlim_cur) {
        rl.rlim_cur = (rlim_t)want_fds < rl.rlim_max ? (rlim_t)want_fds : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}
