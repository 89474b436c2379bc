/* SIGINT and SIGTERM for a module that runs on the process's main thread (the
 * CLI, where the process is the module's own): the thread is asleep in
 * epoll_wait or busy in wasm, so it runs no JavaScript signal listener until
 * the module has ended. A native handler does what the listener would have
 * done: it sets the stop request (the ControlBlock's stop word) and writes the
 * wake eventfd, so the module's next wait returns and sees the stop. A
 * watchdog thread then keeps the grace period: when it ends, it sets the end
 * request (the ControlBlock's end word) and wakes the module again, which ends
 * it at its next wait; if it has not ended END_WAIT_MS later (a module busy in
 * wasm makes no call the host could end it at, and a main thread cannot be
 * terminated the way a worker is), the watchdog ends the process: one line on
 * stderr, exit 128 + the signal's number.
 *
 * Why a handler and not a signalfd in the epoll set: a signalfd only sees a
 * signal that is blocked in every thread, or another thread takes it first;
 * Node's own threads (libuv's pool, V8's platform workers, the inspector) are
 * already running with the signals unblocked, and their masks cannot be changed
 * from here. A handler runs on whichever thread the kernel picks, and every
 * step it takes is async-signal-safe (an atomic store, write(2)), from any thread.
 *
 * The handler chains to the previous one when that one handles a signal and
 * returns (libuv's, when JavaScript listens for it), so JavaScript's own
 * listeners still run once the main thread is back in its event loop. Node's
 * default handler for SIGINT and SIGTERM is not chained: it is one-shot
 * (SA_RESETHAND) because it resets the terminal and re-raises the signal to
 * end the process, which is what the stop replaces. A repeated signal changes
 * nothing but the chain: the stop is under way and the grace bounds it (Ctrl-C
 * under bunx arrives twice, from the terminal and forwarded; the worker mode
 * and serve's close behave the same).
 *
 * SA_RESTART, as libuv installs its own: the wait that must see the stop is
 * epoll_wait, which a signal never restarts (and the eventfd wakes it wherever
 * the signal lands); other threads' blocking calls are left undisturbed. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "args.h"
#include "bindings.h"

static const int STOP_SIGNALS[] = { SIGINT, SIGTERM };
#define STOP_SIGNAL_COUNT (sizeof STOP_SIGNALS / sizeof STOP_SIGNALS[0])

/* The longest line the watchdog prints. */
#define LINE_MAX_BYTES 1024
/* After the end request, how long a module asleep in a wait has to wake and be
 * ended there (it takes well under a millisecond on an idle machine). */
#define END_WAIT_MS 500

/* The ControlBlock's words, as ControlBlock.stopWords() gives them. */
#define STOP_WORD 0
#define END_WORD 1

/* Set while armed; the handler reads only these. */
static _Atomic(int32_t *) stop_words;
static atomic_int wake_fd = -1;
static atomic_int watch_fd = -1;
/* The first stop signal that came (0: none). */
static atomic_int first_signal;
/* Handlers running now: disarming waits for them before the stop word goes. */
static atomic_int in_handler;
static atomic_bool disarming;

static struct sigaction previous[STOP_SIGNAL_COUNT];

/* Only JavaScript touches these (one thread at a time: the one that armed). */
static bool armed;
static pthread_t watchdog;
static napi_ref stop_ref;
static int64_t grace_ms;
static char line[LINE_MAX_BYTES];
static size_t line_length;

static int signal_index(int signo) {
  for (size_t i = 0; i < STOP_SIGNAL_COUNT; i++)
    if (STOP_SIGNALS[i] == signo) return (int)i;
  return -1;
}

static void chain(int index, int signo, siginfo_t *info, void *context) {
  const struct sigaction *prior = &previous[index];
  if (prior->sa_flags & SA_RESETHAND) return;
  if (prior->sa_flags & SA_SIGINFO) {
    if (prior->sa_sigaction != NULL) prior->sa_sigaction(signo, info, context);
  } else if (prior->sa_handler != SIG_DFL && prior->sa_handler != SIG_IGN && prior->sa_handler != NULL) {
    prior->sa_handler(signo);
  }
}

static void on_stop_signal(int signo, siginfo_t *info, void *context) {
  int saved_errno = errno;
  atomic_fetch_add(&in_handler, 1);
  int none = 0;
  if (atomic_compare_exchange_strong(&first_signal, &none, signo)) {
    int32_t *words = atomic_load(&stop_words);
    if (words != NULL) __atomic_store_n(&words[STOP_WORD], 1, __ATOMIC_SEQ_CST);
    uint64_t one = 1;
    int fd = atomic_load(&wake_fd);
    if (fd >= 0) (void)!write(fd, &one, sizeof one);
    fd = atomic_load(&watch_fd);
    if (fd >= 0) (void)!write(fd, &one, sizeof one);
  }
  chain(signal_index(signo), signo, info, context);
  atomic_fetch_sub(&in_handler, 1);
  errno = saved_errno;
}

/* Waits until watch_fd is readable or `timeout_ms` passed (-1: no limit). True when readable. */
static bool watch_readable(int timeout_ms) {
  struct pollfd p = { .fd = atomic_load(&watch_fd), .events = POLLIN };
  for (;;) {
    int n = poll(&p, 1, timeout_ms);
    if (n >= 0) return n > 0;
    if (errno != EINTR) return false;
  }
}

static void *watch(void *unused) {
  (void)unused;
  uint64_t count;
  watch_readable(-1);
  (void)!read(atomic_load(&watch_fd), &count, sizeof count);
  if (atomic_load(&disarming)) return NULL;
  /* A stop signal came: the module has grace_ms to end by itself. */
  int timeout = grace_ms > INT32_MAX ? INT32_MAX : (int)grace_ms;
  if (watch_readable(timeout) || atomic_load(&disarming)) return NULL;
  /* The grace is over: its next wait ends it (ts/host/waiting.ts). */
  int32_t *words = atomic_load(&stop_words);
  __atomic_store_n(&words[STOP_WORD], 1, __ATOMIC_SEQ_CST);
  __atomic_store_n(&words[END_WORD], 1, __ATOMIC_SEQ_CST);
  uint64_t one = 1;
  (void)!write(atomic_load(&wake_fd), &one, sizeof one);
  if (watch_readable(END_WAIT_MS) || atomic_load(&disarming)) return NULL;
  (void)!write(STDERR_FILENO, line, line_length);
  _exit(128 + atomic_load(&first_signal));
}

napi_value js_stop_on_signals(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t *word;
  size_t word_length;
  int fd;
  int64_t grace;
  char text[LINE_MAX_BYTES];
  size_t length;
  if (!args_get(env, info, 4, argv) ||
      !arg_typed_array(env, "stopOnSignals", "words", argv[0], napi_int32_array, (void **)&word, &word_length) ||
      !arg_fd(env, "stopOnSignals", "wakeFd", argv[1], &fd) ||
      !arg_int(env, "stopOnSignals", "graceMs", argv[2], 0, INT32_MAX, &grace) ||
      !arg_string(env, "stopOnSignals", "graceLine", argv[3], text, sizeof text, &length))
    return NULL;
  if (word_length < 2) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "stopOnSignals(): words must hold the stop and end words");
    return NULL;
  }
  if (armed) return ret_int(env, -EBUSY);

  int efd = eventfd(0, EFD_CLOEXEC);
  if (efd < 0) return ret_int(env, -errno);
  /* The words live in a SharedArrayBuffer: kept alive while the handler and the watchdog may write them. */
  if (napi_create_reference(env, argv[0], 1, &stop_ref) != napi_ok) {
    close(efd);
    return NULL;
  }
  memcpy(line, text, length);
  line_length = length;
  grace_ms = grace;
  atomic_store(&disarming, false);
  atomic_store(&first_signal, 0);
  atomic_store(&watch_fd, efd);
  atomic_store(&wake_fd, fd);
  atomic_store(&stop_words, word);

  /* The watchdog takes no signals itself: it is created with all blocked. */
  sigset_t all, before;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &before);
  int failed = pthread_create(&watchdog, NULL, watch, NULL);
  pthread_sigmask(SIG_SETMASK, &before, NULL);
  if (failed != 0) {
    atomic_store(&stop_words, NULL);
    atomic_store(&wake_fd, -1);
    atomic_store(&watch_fd, -1);
    close(efd);
    napi_delete_reference(env, stop_ref);
    return ret_int(env, -failed);
  }

  struct sigaction ours;
  memset(&ours, 0, sizeof ours);
  ours.sa_sigaction = on_stop_signal;
  ours.sa_flags = SA_SIGINFO | SA_RESTART;
  /* One handler at a time: SIGINT and SIGTERM arriving together do not interleave. */
  sigfillset(&ours.sa_mask);
  for (size_t i = 0; i < STOP_SIGNAL_COUNT; i++) sigaction(STOP_SIGNALS[i], &ours, &previous[i]);
  armed = true;
  return ret_int(env, 0);
}

napi_value js_stop_on_signals_end(napi_env env, napi_callback_info info) {
  (void)info;
  if (!armed) return ret_int(env, 0);
  for (size_t i = 0; i < STOP_SIGNAL_COUNT; i++) {
    struct sigaction current;
    /* Put back what was there, unless someone replaced ours meanwhile. */
    if (sigaction(STOP_SIGNALS[i], NULL, &current) == 0 && (current.sa_flags & SA_SIGINFO) &&
        current.sa_sigaction == on_stop_signal)
      sigaction(STOP_SIGNALS[i], &previous[i], NULL);
  }
  /* A handler that began before the restore may still be writing the stop word or the eventfds. */
  while (atomic_load(&in_handler) > 0) sched_yield();
  atomic_store(&disarming, true);
  uint64_t one = 1;
  (void)!write(atomic_load(&watch_fd), &one, sizeof one);
  pthread_join(watchdog, NULL);
  close(atomic_exchange(&watch_fd, -1));
  atomic_store(&wake_fd, -1);
  atomic_store(&stop_words, NULL);
  napi_delete_reference(env, stop_ref);
  armed = false;
  return ret_int(env, atomic_load(&first_signal));
}
