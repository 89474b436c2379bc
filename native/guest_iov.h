/* The scatter/gather list of a recv or send, built from a guest's (offset,
 * length) pairs into its linear memory. Nothing is copied and nothing is
 * allocated: the iovecs point straight into the module's memory, so the
 * kernel reads and writes it directly. */
#ifndef WASI_EVLOOP_GUEST_IOV_H
#define WASI_EVLOOP_GUEST_IOV_H

#include <stdint.h>
#include <sys/uio.h>

#include <node_api.h>

/* At most this many pairs per call (Linux's IOV_MAX); more is -EINVAL, as
 * readv(2) answers. */
#define GUEST_IOV_MAX 1024

/* A call moves at most this many bytes (Linux's MAX_RW_COUNT: INT_MAX rounded
 * down to a page); a longer list is cut there, as the kernel itself cuts it,
 * so every count fits an int32. */
#define GUEST_IO_MAX 0x7ffff000u

/* Result of guest_iov_build: 0 when `out` and `*count` are ready, minus an
 * errno for a bad list (-EINVAL: more than GUEST_IOV_MAX pairs; -EFAULT: a
 * pair outside `mem`, a detached `mem`, or fewer pairs in `iov` than claimed),
 * or GUEST_IOV_THREW when an argument had the wrong kind (exception pending). */
#define GUEST_IOV_THREW 1

int guest_iov_build(napi_env env, const char *fn, napi_value mem, napi_value iov, napi_value iov_count,
                    struct iovec out[GUEST_IOV_MAX], int *count);

#endif
