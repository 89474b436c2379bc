// The npm package as a user gets it (helpers/installed-package.ts: `npm
// pack`, then `npm install` of the tarball into an empty folder, where npm 11
// builds nothing). The installed package must still have the kernel-socket
// addon on linux-x64 (prebuilds/, made at pack time), it must carry a real
// round trip over 127.0.0.1, and the installed CLI must serve.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { echoOnce, withTimeout } from './helpers/echo-client.js';
import { installedPackage } from './helpers/installed-package.js';
import { REPO } from './helpers/servers.js';

const run = promisify(execFile);

const ROUND_TRIP = (pkg: string) => `
import net from 'node:net';
import { loadKernelAddon } from ${JSON.stringify(`${pkg}/dist/ts/transport/kernel/addon.js`)};
const loaded = loadKernelAddon();
if (!('addon' in loaded)) { console.log(JSON.stringify(loaded)); process.exit(0); }
const addon = loaded.addon;
const binary = loaded.path;
const listenFd = addon.listen('127.0.0.1', 0, 4);
const epfd = addon.epollCreate();
const mem = new Uint8Array(new WebAssembly.Memory({ initial: 1 }).buffer);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const client = net.connect(addon.localPort(listenFd), '127.0.0.1', async () => {
  let fd = -11, got = -11, sent = -11;
  for (let i = 0; i < 500 && fd < 0; i++) { fd = addon.accept(listenFd, epfd); if (fd < 0) await sleep(5); }
  client.write('ping over the installed addon');
  const pairs = Uint32Array.of(1000, 64);
  addon.bind(mem, pairs);
  for (let i = 0; i < 500 && got < 0; i++) { got = addon.recv(fd, 1, false); if (got < 0) await sleep(5); }
  const back = new Promise((resolve) => client.once('data', (b) => resolve(String(b))));
  pairs[1] = got;
  sent = addon.send(fd, 1);
  console.log(JSON.stringify({ binary, got, sent, echoed: await back }));
  client.destroy();
  for (const f of [fd, listenFd, epfd]) addon.close(f);
});
`;

test('npm pack → npm install of the tarball: the addon is there, round-trips, and the CLI serves', async () => {
  const { files, app, pkg } = await installedPackage();
  assert.ok(files.includes('prebuilds/linux-x64/node.napi.glibc.node'), 'the prebuilt addon is in the tarball');
  assert.ok(files.includes('native/module.c') && files.includes('scripts/addon-build.mjs'), 'and its source, with the install script');
  assert.not.ok(files.some((f) => f.startsWith('build/') || f.startsWith('dist/test/')), 'no build tree, no tests');
  assert.not.ok(existsSync(join(REPO, 'prebuilds', 'linux-x64', 'node.napi.glibc.node')), 'postpack took the copy out of the work tree');

  assert.not.ok(existsSync(join(pkg, 'build')), `nothing was built at install (${existsSync(join(pkg, 'build')) ? readdirSync(join(pkg, 'build')) : ''})`);

  // Where install scripts do run (npm rebuild, older npm), the shipped binary
  // is used as it is, however the tarball's file times came out.
  const later = new Date(Date.now() + 60_000);
  for (const f of readdirSync(join(pkg, 'native'))) utimesSync(join(pkg, 'native', f), later, later);
  const install = await run(process.execPath, [join(pkg, 'scripts', 'addon-build.mjs')], { cwd: pkg, timeout: 60_000 });
  assert.is(install.stdout + install.stderr, '', 'the install script has nothing to do or say');
  assert.not.ok(existsSync(join(pkg, 'build')), 'and builds nothing');

  const trip = await run(process.execPath, ['--input-type=module', '-e', ROUND_TRIP(pkg)], { cwd: app, timeout: 20_000 });
  const result = JSON.parse(trip.stdout) as { unavailable?: string; binary?: string; got?: number; sent?: number; echoed?: string };
  assert.is(result.unavailable, undefined, result.unavailable);
  assert.is(result.binary, join(pkg, 'prebuilds', 'linux-x64', 'node.napi.glibc.node'));
  assert.equal({ got: result.got, sent: result.sent, echoed: result.echoed }, { got: 29, sent: 29, echoed: 'ping over the installed addon' });

  const cli = spawn(join(app, 'node_modules', '.bin', 'wasi-evloop'), ['serve', '--port', '0'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    let transport = '';
    cli.stderr.on('data', (b: Buffer) => (out += b));
    const port = await withTimeout(`the installed CLI's ready line (stderr: ${out})`, 20_000, new Promise<number>((resolve) => {
      cli.stdout.on('data', (b: Buffer) => {
        out += b;
        const match = /listening on 127\.0\.0\.1:(\d+) \(.*transport (\S+)\)/.exec(out);
        if (match) {
          transport = match[2]!;
          resolve(Number(match[1]));
        }
      });
    }));
    assert.is(transport, 'kernel', 'the installed package serves on the kernel transport by default');
    assert.is((await echoOnce(port, Buffer.from('hello from the tarball'))).toString(), 'hello from the tarball');
    const exited = new Promise<number | null>((resolve) => cli.once('exit', resolve));
    cli.kill('SIGTERM');
    assert.is(await withTimeout('the CLI to exit', 10_000, exited), 0);
  } finally {
    cli.kill('SIGKILL');
  }
});

test.run();
