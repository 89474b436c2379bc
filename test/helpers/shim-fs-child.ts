// The shim runtime's file system under one JavaScript runtime: each call
// whose POSIX answer Deno's or Bun's node:fs would change (ts/runtime/fs/
// posix.ts), made on a preopened directory in a fresh temporary folder, its
// answer as one JSON line on stdout. test/runtimes-shim-fs.test.ts compares
// every runtime's line with POSIX.
//
//   <js runtime> dist/test/helpers/shim-fs-child.js

import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostDirectory } from '../../ts/runtime/shim-fs/host-directory.js';
import { HostFile } from '../../ts/runtime/shim-fs/host-file.js';
import { listDirectory } from '../../ts/runtime/fs/readdir.js';
import * as w from '../../ts/wasi/index.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'wasi-evloop-shim-fs-')));
try {
  mkdirSync(join(root, 'dir'));
  writeFileSync(join(root, 'file'), 'twelve bytes');
  symlinkSync('file', join(root, 'link'));
  const dir = HostDirectory.preopen(root, '/');
  const name = w.errnoName;

  const truncated = dir.path_open(0, 'file', w.OFLAGS_TRUNC, w.RIGHTS_FD_READ, 0n, 0);
  (truncated.fd_obj as HostFile | null)?.fd_close();
  const link = dir.readlink('link');

  const answers = {
    mkdirExisting: name(dir.path_create_directory('dir')),
    unlinkDirectory: name(dir.path_unlink_file('dir')),
    directoryStillThere: dir.pathFilestat(0, 'dir') instanceof Object,
    readlink: typeof link === 'number' ? name(link) : Buffer.from(link).toString(),
    readOnlyTruncate: name(truncated.ret),
    sizeAfterTruncate: readFileSync(join(root, 'file')).length,
    symlinkOntoExisting: name(dir.symlink('file', 'dir')),
    readdir: listDirectory(root, true).map((e) => `${e.name.toString()}:${e.type}`).sort(),
  };
  process.stdout.write(`${JSON.stringify(answers)}\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
