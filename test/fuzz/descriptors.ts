// What the fuzzer believes the module's fd table holds, learnt from the
// results of its own calls. It only steers the choice of fd arguments (most
// name a live descriptor of a fitting kind); the host's answers are never
// checked against it.

import type { Rng } from './rng.js';

/** 'socket': one the module opened (sock_open) that neither listens nor connects yet. */
export type FdKind = 'stdio' | 'listener' | 'dir' | 'conn' | 'epoll' | 'file' | 'socket';

/** fds that name nothing, or something odd: huge, negative as an i32, at the edges of a table. */
const ODD_FDS = [-1, -2, -0x80000000, 0x7fffffff, 0xffff, 0x10000, 1023, 1024, 4096];

/** How many closed numbers are remembered (a closed number is likely to be reused). */
const CLOSED_KEPT = 16;

export class DescriptorModel {
  private readonly live = new Map<number, FdKind>();
  private readonly closed: number[] = [];

  constructor(listeners: number, preopens: number) {
    for (let fd = 0; fd < 3; fd++) this.live.set(fd, 'stdio');
    for (let i = 0; i < listeners; i++) this.live.set(3 + i, 'listener');
    for (let i = 0; i < preopens; i++) this.live.set(3 + listeners + i, 'dir');
  }

  opened(fd: number, kind: FdKind): void {
    this.live.set(fd, kind);
    const i = this.closed.indexOf(fd);
    if (i >= 0) this.closed.splice(i, 1);
  }

  closedFd(fd: number): void {
    if (!this.live.delete(fd)) return;
    this.closed.push(fd);
    if (this.closed.length > CLOSED_KEPT) this.closed.shift();
  }

  renumbered(from: number, to: number): void {
    const kind = this.live.get(from);
    if (kind === undefined || from === to) return;
    this.live.delete(to);
    this.live.delete(from);
    this.closed.push(from);
    this.live.set(to, kind);
  }

  /**
   * An fd argument (as wasm passes an i32): mostly a live one, of the
   * preferred kinds when there are any; for a well-formed call, always a
   * live one, nearly always of those kinds.
   */
  pick(rng: Rng, prefer: readonly FdKind[] = [], wellFormed = false): number {
    const roll = rng.next();
    if ((wellFormed || roll < 0.78) && this.live.size > 0) {
      const preferred = Array.from(this.live).filter(([, kind]) => prefer.includes(kind));
      const pool = preferred.length > 0 && rng.chance(wellFormed ? 0.95 : 0.75) ? preferred : Array.from(this.live);
      return rng.pick(pool)[0];
    }
    if (roll < 0.88 && this.closed.length > 0) return rng.pick(this.closed);
    return rng.pick(ODD_FDS) | 0;
  }

  describe(fd: number): string {
    const kind = this.live.get(fd >>> 0);
    return kind === undefined ? String(fd) : `${fd}:${kind}`;
  }
}
