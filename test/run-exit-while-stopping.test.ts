// process.exit() while a stopped module sleeps on in its grace (asleep in
// read() on a silent peer: a stop no longer keeps it from sleeping): the
// process still exits at once with its code, on every transport. The kernel
// transport's exit hook must ask for the end, not only the stop, or the
// thread asleep in epoll_wait would keep the process alive for ever.
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

const wasm = fixtureWasm('blocking_echo');

function program(transport: string): string {
  return `
import net from 'node:net';
import { run } from ${JSON.stringify(`${REPO}dist/ts/index.js`)};
const controller = new AbortController();
let listening;
const bound = new Promise((resolve) => (listening = resolve));
run(${JSON.stringify(wasm)}, { transport: ${JSON.stringify(transport)}, tcplisten: ['127.0.0.1:0'], blockingAccept: true, stopGraceMs: 60000, stdout: 'ignore', stderr: 'ignore', signal: controller.signal, onListening: listening }).catch(() => {});
const [{ port }] = await bound;
const peer = net.connect(port, '127.0.0.1');
peer.on('error', () => {});
peer.write('x');
await new Promise((resolve) => peer.once('data', resolve));
controller.abort();
setTimeout(() => { console.log('exiting'); process.exit(3); }, 300);
`;
}

for (const transport of TRANSPORTS) {
  test(`${transport}: process.exit() during a stop's grace exits at once with its code`, async () => {
    // A file, not --eval: the module's worker would inherit --input-type and fail to load.
    const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-exit-'));
    const script = join(dir, 'exit-while-stopping.mjs');
    writeFileSync(script, program(transport));
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b));
    child.stderr.on('data', (b: Buffer) => (output += b));
    try {
      const code = await withTimeout('the process to exit', 10_000, new Promise<number | null>((resolve) => child.once('exit', resolve)));
      assert.is(code, 3, output);
      assert.match(output, /exiting/);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
