// The CLI's start (bin/wasi-evloop.js, the bundle dist/node/cli.cjs and V8's
// code cache for it): it loads none of Node's modules that a serve does not
// need before its listening line, and it starts with no code cache or with
// one V8 cannot use (another Node's, or a damaged file).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, startCli } from './helpers/cli.js';
import { echoOnce } from './helpers/echo-client.js';
import { REPO } from './helpers/servers.js';

/** Node modules a serve does without (the demo's HTTP, child processes, workers, crypto, streams, node:net's sockets). */
const NOT_LOADED = ['http', 'child_process', 'worker_threads', 'crypto', 'net', 'dns', 'fs/promises', 'stream'];

/** The Node modules loaded by the time the CLI, run with `args`, writes its listening line (with fs.writeSync, on stdout or stderr). */
function loadedAtListeningLine(args: readonly string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-start-'));
  try {
    // Preloaded: at the listening line, the Node modules loaded so far.
    const probe = join(dir, 'probe.cjs');
    writeFileSync(probe, `
      const fs = require('fs');
      const write = fs.writeSync;
      fs.writeSync = function (fd, data, ...rest) {
        if (Buffer.from(data).toString().startsWith('listening on')) {
          write.call(fs, 1, JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))));
          process.exit(0);
        }
        return write.call(fs, fd, data, ...rest);
      };`);
    const r = spawnSync(process.execPath, ['-r', probe, CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
    assert.is(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test(`serve loads none of ${NOT_LOADED.join(', ')} before its listening line`, () => {
  const loaded = loadedAtListeningLine(['serve', '--port', '0']);
  assert.equal(NOT_LOADED.filter((name) => loaded.includes(name)), [], `loaded: ${loaded.join(' ')}`);
});

// Where the module runs, seen from outside: a worker thread needs node:worker_threads, the starting thread does not.
const EXIT_NOW = `${REPO}wasm/exit-now.wasm`;
for (const command of [['serve', '--port', '0'], ['run', EXIT_NOW, '--tcplisten', '127.0.0.1:0']]) {
  test(`${command[0]} --transport kernel runs the module on the starting thread; with --worker, in a worker thread`, () => {
    assert.not.ok(loadedAtListeningLine([...command, '--transport', 'kernel']).includes('worker_threads'), 'a worker thread without --worker');
    assert.ok(loadedAtListeningLine([...command, '--transport', 'kernel', '--worker']).includes('worker_threads'), 'no worker thread with --worker');
  });
}

for (const [what, cache] of [
  ['no code cache', null],
  ['a code cache V8 cannot use', randomBytes(64 * 1024)],
] as const) {
  test(`with ${what}, the CLI starts and serves`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-cache-'));
    try {
      for (const part of ['package.json', 'bin', 'dist', 'wasm', 'build']) cpSync(join(REPO, part), join(dir, part), { recursive: true });
      symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
      const cacheFile = join(dir, 'dist', 'node', 'cli.cjs.v8cache');
      rmSync(cacheFile, { force: true });
      if (cache !== null) {
        writeFileSync(cacheFile, cache);
        // Newer than the bundle, so that it is offered to V8.
        const later = new Date(Date.now() + 60_000);
        utimesSync(cacheFile, later, later);
      }
      const cli = startCli(['serve', '--port', '0'], join(dir, 'bin', 'wasi-evloop.js'));
      try {
        const [, port] = await cli.waitFor('stdout', /^listening on 127\.0\.0\.1:(\d+) /);
        assert.is((await echoOnce(Number(port), Buffer.from('cached?'))).toString(), 'cached?');
        cli.child.kill('SIGTERM');
        assert.is((await cli.exited()).code, 0);
      } finally {
        cli.child.kill('SIGKILL');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
