import type { Descriptor } from './descriptor.js';

/**
 * The descriptor numbers the module sees. New descriptors get the lowest free
 * number, as POSIX requires (a min-heap of freed numbers keeps that O(log n)).
 */
export class FdTable {
  private readonly slots: (Descriptor | undefined)[] = [];
  /** Free numbers below slots.length; may hold stale numbers (checked on pop). */
  private readonly free: number[] = [];
  private used = 0;
  private readonly preopens = new Set<number>();

  constructor(readonly maxFds: number) {}

  get size(): number {
    return this.used;
  }

  get full(): boolean {
    return this.used >= this.maxFds;
  }

  get(fd: number): Descriptor | undefined {
    return fd >= 0 && fd < this.slots.length ? this.slots[fd] : undefined;
  }

  /** The lowest free number for `entry`, or -1 when maxFds descriptors are open. */
  allocate(entry: Descriptor): number {
    if (this.full) return -1;
    let fd = -1;
    while (this.free.length > 0) {
      const candidate = this.popFree();
      if (this.slots[candidate] === undefined) {
        fd = candidate;
        break;
      }
    }
    if (fd < 0) fd = this.slots.length;
    this.put(fd, entry);
    return fd;
  }

  /** Puts `entry` at a chosen free number (the initial layout). */
  place(fd: number, entry: Descriptor): void {
    if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`fd ${fd} is not a descriptor number`);
    if (this.get(fd) !== undefined) throw new Error(`fd ${fd} is already in use`);
    this.put(fd, entry);
  }

  remove(fd: number): Descriptor | undefined {
    const entry = this.get(fd);
    if (entry === undefined) return undefined;
    this.slots[fd] = undefined;
    this.used--;
    this.preopens.delete(fd);
    this.pushFree(fd);
    return entry;
  }

  /** Moves the entry at `from` to the free number `to` (fd_renumber, after `to` was closed). */
  move(from: number, to: number): void {
    const entry = this.remove(from);
    if (entry === undefined) throw new Error(`fd ${from} is not open`);
    this.place(to, entry);
  }

  /** The highest number holding a preopened directory, -1 if none. */
  highestPreopen(): number {
    let highest = -1;
    for (const fd of this.preopens) if (fd > highest) highest = fd;
    return highest;
  }

  *entries(): IterableIterator<[number, Descriptor]> {
    for (let fd = 0; fd < this.slots.length; fd++) {
      const entry = this.slots[fd];
      if (entry !== undefined) yield [fd, entry];
    }
  }

  private put(fd: number, entry: Descriptor): void {
    while (this.slots.length < fd) {
      this.pushFree(this.slots.length);
      this.slots.push(undefined);
    }
    this.slots[fd] = entry;
    this.used++;
    if (entry.preopen) this.preopens.add(fd);
  }

  private pushFree(fd: number): void {
    const heap = this.free;
    heap.push(fd);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= heap[i]!) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  private popFree(): number {
    const heap = this.free;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l]! < heap[m]!) m = l;
        if (r < heap.length && heap[r]! < heap[m]!) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return top;
  }
}
