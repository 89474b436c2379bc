// The README: "a process `exit` hook sets the stop request and writes [the
// eventfd], so `process.exit()` or an uncaught exception never leaves the
// process hanging on a thread asleep in `epoll_wait`." Checked through the
// product: a child process starts a server with serve() (or a module blocked
// in accept with run()) on each transport whose module thread blocks, then
// calls process.exit(3) or throws; it must end with that status in bounded
// time. (kernel-addon-exit-hook shows, with a hook of its own, why the hook
// exists: without one the process never exits.)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TRANSPORTS } from '../ts/index.js';
import { withTimeout } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { REPO } from './helpers/servers.js';

/** Far more than an exit takes (well under a second); a hung process is killed then. */
const BOUND_MS = 10_000;
const INDEX = `${REPO}dist/ts/index.js`;
const blocking = fixtureWasm('blocking_echo');

type Ending = 'process.exit(3)' | 'an uncaught exception';

function program(starts: 'serve' | 'run', transport: string, ending: Ending): string {
  const start =
    starts === 'serve'
      ? `const server = await serve({ transport: ${JSON.stringify(transport)}, port: 0, stderr: 'ignore' });
         let ended = false;
         server.finished.finally(() => (ended = true)).catch(() => {});`
      : `let listening; const bound = new Promise((resolve) => (listening = resolve));
         let ended = false;
         run(${JSON.stringify(blocking)}, { transport: ${JSON.stringify(transport)}, tcplisten: ['127.0.0.1:0'], blockingAccept: true, args: ['1'], stdout: 'ignore', onListening: listening })
           .finally(() => (ended = true)).catch(() => {});
         await bound;`;
  return `
import { run, serve } from ${JSON.stringify(INDEX)};
${start}
// Let the module's thread fall asleep (in epoll_wait, Atomics.wait or accept).
await new Promise((resolve) => setTimeout(resolve, 300));
// Only a module still running (its thread asleep) tests the hook.
if (ended) { console.log('the module ended first'); process.exit(99); }
console.log('ending');
${ending === 'process.exit(3)' ? 'process.exit(3);' : "throw new Error('thrown on the main thread');"}
`;
}

async function runChild(source: string): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  // A file, not `node --input-type=module -e`: the module's worker would inherit that flag, which only -e allows.
  const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-exit-'));
  writeFileSync(join(dir, 'child.mjs'), source);
  const child = spawn(process.execPath, [join(dir, 'child.mjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b));
  child.stderr.on('data', (b: Buffer) => (stderr += b));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    const end = await withTimeout(`the child to exit (it printed ${JSON.stringify(stdout)}; stderr ${JSON.stringify(stderr)})`, BOUND_MS, exited);
    assert.match(stdout, /ending/, `it reached its end: ${stderr}`);
    return { ...end, stderr };
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const transport of TRANSPORTS) {
  for (const starts of ['serve', 'run'] as const) {
    test(`${starts}() on ${transport}, then process.exit(3): the process exits with 3`, async () => {
      const r = await runChild(program(starts, transport, 'process.exit(3)'));
      assert.is(r.code, 3, r.stderr);
    });
    test(`${starts}() on ${transport}, then an uncaught exception: the process exits with 1`, async () => {
      const r = await runChild(program(starts, transport, 'an uncaught exception'));
      assert.is(r.code, 1, r.stderr);
      assert.match(r.stderr, /thrown on the main thread/);
    });
  }
}

test.run();
