// run() with preopened directories after a listener (fd 3 a socket, fd 4 the
// directory, wasmtime's layout): wasi-libc finds the directory past the
// socket. Both runtimes read and write the real directory.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, RUNTIMES, TRANSPORTS } from '../ts/index.js';
import { fixtureWasm } from './helpers/fixtures.js';

const wasm = fixtureWasm('preopen_cat');

for (const transport of TRANSPORTS) {
for (const runtime of RUNTIMES) {
  test(`${runtime} ${transport}: a preopened directory after a listener is readable, writes reach the disk`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-'));
    try {
      writeFileSync(join(dir, 'hello.txt'), 'hello from the host\n');
      let stdout = '';
      let stderr = '';
      const code = await run(wasm, {
        runtime,
        transport,
        tcplisten: ['127.0.0.1:0'],
        preopens: [`${dir}::/data`],
        args: ['/data/hello.txt', '/data/new.txt'],
        stdout: (b) => (stdout += Buffer.from(b).toString()),
        stderr: (b) => (stderr += Buffer.from(b).toString()),
      });
      assert.is(code, 0, `exit status (stderr: ${stderr})`);
      assert.is(stdout, 'hello from the host\n');
      assert.is(readFileSync(join(dir, 'new.txt'), 'utf8'), 'written by the module\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

}
test.run();
