// A short soak (npm run soak) over the epoll servers: every hostile-peer
// scenario at once for a few seconds, then the verdict on loss, leaks and
// spin. And the soak itself must catch a server that corrupts bytes.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Figures } from '../bench/soak/figures.js';
import { judge } from '../bench/soak/verdict.js';
import { TRANSPORTS } from '../ts/index.js';
import { nativeKind, REPO } from './helpers/servers.js';

const SOAK = `${REPO}dist/bench/soak/run.js`;
const SECONDS = 8;

interface SoakRun {
  code: number | null;
  stdout: string;
  stderr: string;
  figures: Figures | null;
}

function runSoak(args: string[], ms: number): Promise<SoakRun> {
  const dir = mkdtempSync(`${tmpdir()}/soak-`);
  const json = `${dir}/figures.json`;
  const child = spawn(process.execPath, [SOAK, ...args, '--json', json], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`soak ${args.join(' ')} still running after ${ms} ms:\n${stdout}\n${stderr}`));
    }, ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      let figures: Figures | null = null;
      try {
        figures = JSON.parse(readFileSync(json, 'utf8')) as Figures;
      } catch {
        figures = null;
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, stdout, stderr, figures });
    });
  });
}

const KINDS: { server: string; transport?: string }[] = [
  { server: 'native-epoll' },
  ...TRANSPORTS.map((transport) => ({ server: 'wasm-epoll', transport })),
];

for (const { server, transport } of KINDS) {
  const args = ['--server', server, ...(transport ? ['--transport', transport] : []), '--seconds', String(SECONDS)];
  test(`npm run soak -- ${args.join(' ')}: no loss, leak or spin`, async () => {
    const run = await runSoak(args, 120_000);
    const output = `${run.stdout}\n${run.stderr}`;
    assert.ok(run.figures, `no figures written:\n${output}`);
    const f = run.figures!;
    for (const s of f.scenarios) {
      assert.ok(s.completed > 0, `${s.name}: no connection did its part:\n${output}`);
      assert.is(s.errors, 0, `${s.name}: ${s.firstErrors.join('; ')}`);
      assert.is(s.bytesLost + s.bytesWrong, 0, `${s.name}: bytes lost or wrong`);
    }
    assert.ok(f.stop?.graceful, `the server did not stop gracefully:\n${output}`);
    const failing = judge(f).filter((row) => row.ok === false).map((row) => row.check);
    assert.equal(failing, [], `failing checks:\n${output}`);
    assert.is(run.code, 0, 'every check passed, so the exit status is 0');
  });
}

test('npm run soak -- --connect 127.0.0.1:PORT --pid PID: soaks a server already running, with its RSS, fds and idle CPU read through /proc', async () => {
  const server = await nativeKind('epoll').start({ stallTimeoutMs: 1000 });
  try {
    const run = await runSoak(['--connect', `127.0.0.1:${server.port}`, '--pid', String(server.pid), '--stall-timeout', '1000', '--seconds', '3'], 60_000);
    const output = `${run.stdout}\n${run.stderr}`;
    assert.ok(run.figures, `no figures written:\n${output}`);
    const f = run.figures!;
    assert.ok(f.rss.length > 0 && f.rssAfterKiB !== null, `no RSS read for --pid ${server.pid}:\n${output}`);
    assert.ok(f.fdsBefore !== null && f.fdsAfter !== null && f.idleCpuPercent !== null, `no fd or CPU figures:\n${output}`);
    assert.is(run.code, 0, output);
  } finally {
    await server.stop();
  }
});

test('npm run soak -- --help: --seconds has the README\'s default, 60', () => {
  const r = spawnSync(process.execPath, [SOAK, '--help'], { encoding: 'utf8', timeout: 30_000 });
  assert.match(r.stdout, /--seconds <n> +how long the load runs \(default: 60\)/);
});

test('the soak fails a server that echoes a wrong byte now and then', async () => {
  let chunks = 0;
  const corrupt = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      // One chunk in 200 comes back with its first byte flipped.
      if (++chunks % 200 === 0) chunk[0] ^= 0xff;
      if (!socket.write(chunk)) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    });
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((resolve) => corrupt.listen(0, '127.0.0.1', resolve));
  const { port } = corrupt.address() as net.AddressInfo;
  try {
    const run = await runSoak(['--connect', `127.0.0.1:${port}`, '--stall-timeout', '0', '--seconds', '3'], 60_000);
    const output = `${run.stdout}\n${run.stderr}`;
    assert.is(run.code, 1, `the soak passed a corrupting server:\n${output}`);
    const wrong = run.figures!.scenarios.reduce((sum, s) => sum + s.bytesWrong, 0);
    assert.ok(wrong > 0, `no wrong bytes counted:\n${output}`);
    assert.match(run.stdout, /bytes lost \/ wrong .*FAIL/);
  } finally {
    // The soak's process has exited, so its connections are gone too.
    corrupt.close();
  }
});

test.run();
