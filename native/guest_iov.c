#include "guest_iov.h"

#include <errno.h>

int guest_iov_build(const guest_binding *binding, int64_t count, struct iovec out[GUEST_IOV_MAX], int *used) {
  if (count > GUEST_IOV_MAX) return -EINVAL;
  /* The pairs usually come straight from the guest's memory, so a list that
   * runs past them is the guest's bad pointer, like any other. A view that was
   * detached when bound reports length 0. */
  if ((uint64_t)count > binding->pairs_length / 2) return -EFAULT;
  if (count > 0 && binding->mem_length == 0) return -EFAULT;

  const uint32_t *pairs = binding->pairs;
  uint64_t total = 0;
  int n = 0;
  for (int64_t i = 0; i < count; i++) {
    uint64_t offset = pairs[2 * i];
    uint64_t length = pairs[2 * i + 1];
    if (offset > binding->mem_length || length > binding->mem_length - offset) return -EFAULT;
    if (total + length > GUEST_IO_MAX) length = GUEST_IO_MAX - total;
    out[n].iov_base = binding->mem + offset;
    out[n].iov_len = (size_t)length;
    n++;
    total += length;
    /* Keep checking the rest: a bad pair must fail the whole call even past the cut. */
  }
  *used = n;
  return 0;
}
