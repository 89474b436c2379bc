#include "guest_iov.h"

#include <errno.h>

#include "args.h"

int guest_iov_build(napi_env env, const char *fn, napi_value mem, napi_value iov, napi_value iov_count,
                    struct iovec out[GUEST_IOV_MAX], int *count) {
  uint8_t *base;
  size_t mem_length;
  uint32_t *pairs;
  size_t pairs_length;
  int64_t n;
  if (!arg_typed_array(env, fn, "mem", mem, napi_uint8_array, (void **)&base, &mem_length)) return GUEST_IOV_THREW;
  if (!arg_typed_array(env, fn, "iov", iov, napi_uint32_array, (void **)&pairs, &pairs_length)) return GUEST_IOV_THREW;
  if (!arg_int(env, fn, "iovCount", iov_count, 0, INT32_MAX, &n)) return GUEST_IOV_THREW;

  if (n > GUEST_IOV_MAX) return -EINVAL;
  /* The pairs usually come straight from the guest's memory, so a list that
   * runs past them is the guest's bad pointer, like any other. A detached
   * view reports length 0: never trust a pointer taken before memory.grow. */
  if ((uint64_t)n > pairs_length / 2) return -EFAULT;
  if (n > 0 && mem_length == 0) return -EFAULT;

  /* Checked in 64 bits, so offset + length cannot wrap. */
  uint64_t total = 0;
  int used = 0;
  for (int64_t i = 0; i < n; i++) {
    uint64_t offset = pairs[2 * i];
    uint64_t length = pairs[2 * i + 1];
    if (offset > mem_length || length > mem_length - offset) return -EFAULT;
    if (total + length > GUEST_IO_MAX) length = GUEST_IO_MAX - total;
    out[used].iov_base = base + offset;
    out[used].iov_len = (size_t)length;
    used++;
    total += length;
    /* Keep checking the rest: a bad pair must fail the whole call even past the cut. */
  }
  *count = used;
  return 0;
}
