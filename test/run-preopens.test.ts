// run() with preopened directories after a listener (fd 3 a socket, fd 4 the
// directory, wasmtime's layout): wasi-libc finds the directory past the
// socket. Both runtimes read and write the real directory, in a worker or on
// the CLI's starting thread.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixtureWasm } from './helpers/fixtures.js';
import { moduleRunners } from './helpers/module-runners.js';

const wasm = fixtureWasm('preopen_cat');

for (const runner of moduleRunners()) {
  test(`${runner.name}: a preopened directory after a listener is readable, writes reach the disk`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-'));
    try {
      writeFileSync(join(dir, 'hello.txt'), 'hello from the host\n');
      const running = runner.start(wasm, { listen: true, preopens: [`${dir}::/data`], args: ['/data/hello.txt', '/data/new.txt'] });
      assert.is(await running.exit, 0, `exit status (stderr: ${running.stderr()})`);
      assert.is(running.stdout(), 'hello from the host\n');
      assert.is(readFileSync(join(dir, 'new.txt'), 'utf8'), 'written by the module\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
