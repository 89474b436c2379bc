// What a descriptor of browser_wasi_shim's kind holds, for the host-backed
// descriptors: rights (checked by every call, as uvwasi and wasmtime do) and
// fdflags.

import * as w from '../../wasi/index.js';

export class Capabilities {
  constructor(
    public base: bigint,
    public inheriting: bigint,
    public fdflags: number,
  ) {}

  /** ENOTCAPABLE unless every right in `needed` is held (any one of them, with `any`). */
  check(needed: bigint, any = false): number {
    const held = this.base & needed;
    return (any ? held !== 0n : held === needed) ? w.ERRNO_SUCCESS : w.ERRNO_NOTCAPABLE;
  }

  /** fd_fdstat_set_rights: rights can only be dropped. */
  drop(base: bigint, inheriting: bigint): number {
    const b = BigInt.asUintN(64, base);
    const i = BigInt.asUintN(64, inheriting);
    if ((b & ~this.base) !== 0n || (i & ~this.inheriting) !== 0n) return w.ERRNO_NOTCAPABLE;
    this.base = b;
    this.inheriting = i;
    return w.ERRNO_SUCCESS;
  }
}
