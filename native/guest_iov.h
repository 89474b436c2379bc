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

/* Where recv and send read their (offset, length) pairs and move their
 * bytes: the module's memory and the host's scatter list, bound once by
 * bind() and used by every call until the next bind(). One per thread (the
 * addon's instance data). Each bind() takes the pointers afresh; the
 * transport binds again whenever its views change (memory.grow makes new
 * ones), so no call uses a pointer taken before the memory moved. */
typedef struct {
  uint8_t *mem;
  size_t mem_length;
  uint32_t *pairs;
  size_t pairs_length;
  /* Strong references: the bound arrays stay alive while bound. */
  napi_ref mem_ref;
  napi_ref pairs_ref;
} guest_binding;

/* The first `count` bound pairs as iovecs, every pair checked against the
 * bound memory (in 64 bits: offset + length cannot wrap). Returns 0 when `out`
 * and `*used` are ready, or minus an errno: -EINVAL for more than
 * GUEST_IOV_MAX pairs; -EFAULT for a pair outside memory, nothing bound, a
 * memory that was detached when bound (length 0), or fewer pairs bound than
 * `count`. A list longer than GUEST_IO_MAX bytes is cut there. */
int guest_iov_build(const guest_binding *binding, int64_t count, struct iovec out[GUEST_IOV_MAX], int *used);

#endif
