// A ceiling on a module's memory (serve()'s and run()'s maxMemory, the CLI's
// --max-memory), set where the module itself says how far its memory may
// grow: the maximum in its memory section. The engine then refuses a
// memory.grow past it with -1, which is what a module expects when memory
// runs out (malloc returns NULL), rather than a trap or a host that ends it.
// A module that declares a larger minimum than the ceiling cannot start: the
// error says both sizes. No Node imports.

import { UsageError } from './errors.js';

/** A WebAssembly page. */
export const PAGE_BYTES = 65536;
/** wasm32's largest memory: 65536 pages, 4 GiB. */
export const MAX_MEMORY_BYTES = 65536 * PAGE_BYTES;

const MEMORY_SECTION = 5;
const IMPORT_SECTION = 2;
const HAS_MAX = 0x01;
/** Bits past shared (0x02) mark memory64 and custom page sizes, which this does not rewrite. */
const UNKNOWN_FLAGS = ~0x03;

/** maxMemory, checked (a UsageError), or undefined when not given. */
export function maxMemoryOption(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < PAGE_BYTES || value > MAX_MEMORY_BYTES) {
    throw new UsageError(`maxMemory must be a whole number of bytes from ${PAGE_BYTES} (one page) to ${MAX_MEMORY_BYTES} (4 GiB), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Why a ceiling cannot be set on a module: the reason, for ModuleLoadError. */
export class MemoryCeilingError extends Error {}

/** A size as people write it: whole MiB, else KiB (pages are 64 KiB). */
function size(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
  ) {}

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.at >= this.bytes.length) throw new MemoryCeilingError('the module ends in the middle of a number');
      const byte = this.bytes[this.at++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new MemoryCeilingError('a number in the module is longer than 32 bits');
    }
  }

  byte(): number {
    if (this.at >= this.bytes.length) throw new MemoryCeilingError('the module ends in the middle of a section');
    return this.bytes[this.at++]!;
  }

  skip(n: number): void {
    this.at += n;
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

/** The limits at the reader, and their new encoding with the ceiling applied. */
function capLimits(reader: Reader, ceilingPages: number, ceilingBytes: number): number[] {
  const flags = reader.byte();
  if (flags & UNKNOWN_FLAGS) throw new MemoryCeilingError(`its memory has limits this host cannot cap (flags 0x${flags.toString(16)}: memory64 or custom pages)`);
  const min = reader.u32();
  const max = flags & HAS_MAX ? reader.u32() : null;
  if (min > ceilingPages) {
    throw new MemoryCeilingError(
      `it needs at least ${size(min * PAGE_BYTES)} of memory (its declared minimum, ${min} pages), more than the ceiling of ${size(ceilingBytes)}: raise --max-memory (maxMemory) to ${size(min * PAGE_BYTES)} or more`,
    );
  }
  const capped = max === null ? ceilingPages : Math.min(max, ceilingPages);
  return [flags | HAS_MAX, ...leb(min), ...leb(capped)];
}

/**
 * `bytes` with every memory the module defines capped at `ceilingBytes`
 * (rounded down to whole pages); a MemoryCeilingError says why not (a
 * minimum above it, an imported memory, a malformed module).
 */
export function withMemoryCeiling(bytes: Uint8Array, ceilingBytes: number): Uint8Array<ArrayBuffer> {
  const ceilingPages = Math.floor(ceilingBytes / PAGE_BYTES);
  if (bytes.length < 8 || bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new MemoryCeilingError('not a WebAssembly module');
  }
  const out: number[] = [];
  const copy = (from: number, to: number) => {
    for (let i = from; i < to; i++) out.push(bytes[i]!);
  };
  copy(0, 8);
  const reader = new Reader(bytes, 8);
  while (reader.at < bytes.length) {
    const start = reader.at;
    const id = reader.byte();
    const size = reader.u32();
    const body = reader.at;
    const end = body + size;
    if (end > bytes.length) throw new MemoryCeilingError('a section runs past the end of the module');
    if (id === IMPORT_SECTION) checkImports(new Reader(bytes, body));
    if (id !== MEMORY_SECTION) {
      copy(start, end);
    } else {
      const section = new Reader(bytes, body);
      const count = section.u32();
      const content = [...leb(count)];
      for (let i = 0; i < count; i++) content.push(...capLimits(section, ceilingPages, ceilingBytes));
      if (section.at !== end) throw new MemoryCeilingError('its memory section has bytes after its memories');
      out.push(MEMORY_SECTION, ...leb(content.length), ...content);
    }
    reader.at = end;
  }
  return Uint8Array.from(out);
}

/** An imported memory is the importer's to size: refuse rather than leave it unbounded. */
function checkImports(reader: Reader): void {
  const count = reader.u32();
  for (let i = 0; i < count; i++) {
    reader.skip(reader.u32()); // module name
    reader.skip(reader.u32()); // field name
    const kind = reader.byte();
    if (kind === 0x00) reader.u32();
    else if (kind === 0x01) {
      reader.byte();
      const flags = reader.byte();
      reader.u32();
      if (flags & HAS_MAX) reader.u32();
    } else if (kind === 0x02) throw new MemoryCeilingError('it imports its memory, whose size is the importer’s to bound, not this host’s');
    else if (kind === 0x03) reader.skip(2);
    else if (kind === 0x04) {
      reader.byte();
      reader.u32();
    } else throw new MemoryCeilingError(`an import of an unknown kind (0x${kind.toString(16)})`);
  }
}
