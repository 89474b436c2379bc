// The shim runtime's file system answers as POSIX under every JavaScript
// runtime (ts/runtime/fs/posix.ts), for each call whose answer Deno's or
// Bun's node:fs would otherwise change: unlink of a directory is EISDIR and
// leaves it (Deno's removes it), readlink gives the target's bytes (Deno's
// gives a string), a read-only open with O_TRUNC truncates (Deno's throws a
// TypeError), an error without a syscall keeps its errno (Deno's
// AlreadyExists), and a listing has each entry's type (Bun's has none).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { forEachJsRuntime } from './helpers/js-runtimes.js';
import { REPO } from './helpers/servers.js';

const POSIX = {
  mkdirExisting: 'EEXIST',
  unlinkDirectory: 'EISDIR',
  directoryStillThere: true,
  readlink: 'file',
  readOnlyTruncate: 'SUCCESS',
  sizeAfterTruncate: 0,
  symlinkOntoExisting: 'EEXIST',
  // name:filetype (3 directory, 4 regular file, 7 symbolic link)
  readdir: ['..:3', '.:3', 'dir:3', 'file:4', 'link:7'],
};

forEachJsRuntime(test, (rt, it) => {
  it(`${rt.name}: the shim's file system answers as POSIX`, () => {
    // Unscoped: Deno's symlinkSync accepts no path-scoped grant.
    const argv = rt.argv(join(REPO, 'dist', 'test', 'helpers', 'shim-fs-child.js'), [], { read: '*', write: '*', env: ['TMPDIR', 'TMP', 'TEMP'] });
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
    assert.is(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout), POSIX);
  });
});

test.run();
