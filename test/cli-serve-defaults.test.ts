// The README's first commands, as written: `npm start` serves echo on
// 127.0.0.1:7007 with the defaults (`wasi-evloop serve` with no flags: --host
// 127.0.0.1, --port 7007, --backend epoll, --runtime node, and for --transport
// "the fastest available": the kernel transport on Linux), prints one stdout line `listening on HOST:PORT (backend epoll,
// runtime node, transport kernel)`, answers the README's two example clients,
// and Ctrl-C (SIGINT) stops it gracefully: its stats line
// (`stats: accepted=… refused=… closed=… bytes_in=… bytes_out=… dropped=…`).
// It binds the default port: see helpers/default-port.ts.
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from './helpers/echo-client.js';
import { requireFreePort } from './helpers/default-port.js';
import { KERNEL_ADDON, NETCAT, requirePrerequisite } from './helpers/prerequisites.js';
import { REPO } from './helpers/servers.js';

/** README: "npm install && npm start        # echo server on 127.0.0.1:7007". */
const DEFAULT_PORT = 7007;

const it = requirePrerequisite(test, KERNEL_ADDON);
const withNetcat = requirePrerequisite(test, KERNEL_ADDON, NETCAT);

/** `npm start` in the repository, until its ready line; stop() sends SIGINT (Ctrl-C) and waits for the exit. */
async function npmStart() {
  await requireFreePort(DEFAULT_PORT);
  const child = spawn('npm', ['start'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b));
  child.stderr.on('data', (b: Buffer) => (stderr += b));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
  const kill = () => {
    // npm and its node child are one process group (detached): end both.
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  };
  try {
    await withTimeout('npm start to print its ready line', 30_000, new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => /^listening on /m.test(stdout) && resolve());
      void exited.then((code) => reject(new Error(`npm start exited (${code}): ${stdout}${stderr}`)));
    }));
  } catch (error) {
    kill();
    throw error;
  }
  return {
    stdout: () => stdout,
    async stop() {
      // Ctrl-C in a terminal signals the whole foreground group: npm and the server.
      process.kill(-child.pid!, 'SIGINT');
      const code = await withTimeout('npm start to exit after Ctrl-C', 10_000, exited).catch((e: unknown) => {
        kill();
        throw e;
      });
      return { code, stdout, stderr };
    },
    kill,
  };
}

function shell(command: string): Promise<string> {
  return withTimeout(command, 10_000, new Promise<string>((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.stderr.on('data', (b: Buffer) => (err += b));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err}`))));
  }));
}

it(`npm start: listening on 127.0.0.1:${DEFAULT_PORT} (backend epoll, runtime node, transport kernel); the node client gets ping back; Ctrl-C → the stats line`, async () => {
  const server = await npmStart();
  try {
    const lines = server.stdout().split('\n').filter((l) => l.startsWith('listening on '));
    assert.equal(lines, [`listening on 127.0.0.1:${DEFAULT_PORT} (backend epoll, runtime node, transport kernel)`]);
    const back = await shell(String.raw`node -e "const s=require('net').connect(7007,'127.0.0.1',()=>s.end('ping\n'));s.pipe(process.stdout)"`);
    assert.is(back, 'ping\n');
  } catch (error) {
    server.kill();
    throw error;
  }
  const { code, stderr } = await server.stop();
  // npm itself dies of the SIGINT it forwarded (a shell shows 130); the server's own exit 0 is cli-serve's.
  assert.ok(code === '0' || code === 'SIGINT', `npm start ended with ${code}`);
  assert.match(stderr, /^stats: accepted=1 refused=0 closed=1 bytes_in=5 bytes_out=5 dropped=0$/m);
});

withNetcat(`npm start, then the README's netcat client: printf 'hello\\n' | nc -N 127.0.0.1 7007 → hello`, async () => {
  const server = await npmStart();
  try {
    assert.is(await shell(String.raw`printf 'hello\n' | nc -N 127.0.0.1 7007`), 'hello\n');
  } catch (error) {
    server.kill();
    throw error;
  }
  assert.match((await server.stop()).stderr, /^stats: accepted=1 refused=0 closed=1 bytes_in=6 bytes_out=6 dropped=0$/m);
});

test.run();
