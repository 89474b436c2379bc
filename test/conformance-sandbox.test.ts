// A preopened directory is a sandbox under both runtimes: no path, and no
// symlink the host left in it (relative or absolute), reaches a file outside
// it, for opening, stat, readlink's neighbours or setting times; a symlink that
// stays inside still works. The module (hand-written WAT) records each
// call's errno and prints them.
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wabt from 'wabt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, RUNTIMES } from '../ts/index.js';
import * as w from '../ts/wasi/index.js';

const FOLLOW = 1;
const FSTFLAGS_MTIM = 4;
const DIR = 3; // the preopen: no listeners before it

type Call = 'open' | 'stat' | 'times';
const CASES: readonly { call: Call; path: string; follow: boolean; allowed: readonly number[] }[] = [
  // Controls: a symlink inside the sandbox works, so a failure below is the sandbox's doing.
  { call: 'open', path: 'inside/file', follow: true, allowed: [w.ERRNO_SUCCESS] },
  { call: 'stat', path: 'inside/file', follow: true, allowed: [w.ERRNO_SUCCESS] },
  { call: 'open', path: 'escape/secret', follow: true, allowed: [w.ERRNO_NOTCAPABLE, w.ERRNO_PERM] },
  { call: 'stat', path: 'escape/secret', follow: true, allowed: [w.ERRNO_NOTCAPABLE, w.ERRNO_PERM] },
  { call: 'times', path: 'escape/secret', follow: true, allowed: [w.ERRNO_NOTCAPABLE, w.ERRNO_PERM] },
  { call: 'open', path: 'absolute', follow: true, allowed: [w.ERRNO_NOTCAPABLE, w.ERRNO_PERM] },
  { call: 'stat', path: 'absolute', follow: true, allowed: [w.ERRNO_NOTCAPABLE, w.ERRNO_PERM] },
  { call: 'times', path: 'absolute', follow: true, allowed: [w.ERRNO_NOTCAPABLE, w.ERRNO_PERM] },
  { call: 'open', path: '../outside/secret', follow: true, allowed: [w.ERRNO_NOTCAPABLE, w.ERRNO_PERM] },
  { call: 'open', path: 'sub/../../outside/secret', follow: false, allowed: [w.ERRNO_NOTCAPABLE, w.ERRNO_PERM] },
  { call: 'stat', path: '/etc/hostname', follow: true, allowed: [w.ERRNO_NOTCAPABLE, w.ERRNO_PERM] },
  // Not following: the link itself is inside and may be looked at, never what it points to.
  { call: 'stat', path: 'escape', follow: false, allowed: [w.ERRNO_SUCCESS] },
  { call: 'open', path: 'escape', follow: false, allowed: [w.ERRNO_LOOP] },
];

const RESULTS = 0x1000;
const SCRATCH = 0x2000;
const STRINGS = 0x3000;

function moduleText(): string {
  let at = STRINGS;
  const data: string[] = [];
  const calls: string[] = [];
  CASES.forEach(({ call, path, follow }, i) => {
    data.push(`(data (i32.const ${at}) "${path}")`);
    const p = `(i32.const ${at}) (i32.const ${Buffer.byteLength(path)})`;
    const flags = `(i32.const ${follow ? FOLLOW : 0})`;
    const expr =
      call === 'open'
        ? `(call $path_open (i32.const ${DIR}) ${flags} ${p} (i32.const 0) (i64.const ${w.RIGHTS_FD_READ}) (i64.const 0) (i32.const 0) (i32.const ${SCRATCH}))`
        : call === 'stat'
          ? `(call $path_filestat_get (i32.const ${DIR}) ${flags} ${p} (i32.const ${SCRATCH}))`
          : `(call $path_filestat_set_times (i32.const ${DIR}) ${flags} ${p} (i64.const 0) (i64.const 1000000000) (i32.const ${FSTFLAGS_MTIM}))`;
    calls.push(`(i32.store (i32.const ${RESULTS + 4 * i}) ${expr})`);
    at += Buffer.byteLength(path) + 1;
  });
  const iov = SCRATCH + 0x100;
  return `(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_set_times" (func $path_filestat_set_times (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ${data.join('\n  ')}
  (func (export "_start")
    ${calls.join('\n    ')}
    (i32.store (i32.const ${iov}) (i32.const ${RESULTS}))
    (i32.store (i32.const ${iov + 4}) (i32.const ${4 * CASES.length}))
    (drop (call $fd_write (i32.const 1) (i32.const ${iov}) (i32.const 1) (i32.const ${iov + 8})))))`;
}

async function compile(): Promise<Uint8Array> {
  const module = (await wabt()).parseWat('sandbox.wat', moduleText());
  try {
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: no path or symlink in a preopened directory reaches outside it`, async () => {
    const base = mkdtempSync(join(tmpdir(), 'wasi-evloop-sandbox-'));
    try {
      const root = join(base, 'root');
      mkdirSync(join(root, 'sub'), { recursive: true });
      mkdirSync(join(base, 'outside'));
      writeFileSync(join(base, 'outside', 'secret'), 'outside the sandbox\n');
      writeFileSync(join(root, 'sub', 'file'), 'inside\n');
      symlinkSync('sub', join(root, 'inside'));
      symlinkSync('../outside', join(root, 'escape'));
      symlinkSync(join(base, 'outside', 'secret'), join(root, 'absolute'));
      const secretMtime = statSync(join(base, 'outside', 'secret')).mtimeMs;
      const out: Buffer[] = [];
      const code = await run(await compile(), { runtime, preopens: [`${root}::/`], stdout: (b) => out.push(Buffer.from(b)), stderr: 'ignore' });
      assert.is(code, 0);
      const results = Buffer.concat(out);
      assert.is(results.length, 4 * CASES.length, 'one errno per call');
      CASES.forEach(({ call, path, follow, allowed }, i) => {
        const errno = results.readUInt32LE(4 * i);
        assert.ok(allowed.includes(errno), `${call} ${path}${follow ? '' : ' (no follow)'}: ${w.errnoName(errno)}, expected ${allowed.map(w.errnoName).join(' or ')}`);
      });
      assert.is(statSync(join(base, 'outside', 'secret')).mtimeMs, secretMtime, 'the file outside was touched');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
}

test.run();
