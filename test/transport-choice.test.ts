// Choosing a transport where the kernel one cannot work (here: a copy of the
// package without the addon): asked for explicitly, a typed error that says
// why and what to do; not asked for, node-net, with one line on stderr.
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCli } from './helpers/cli.js';
import { echoOnce } from './helpers/echo-client.js';
import { REPO } from './helpers/servers.js';
import { spawnSync } from 'node:child_process';

/** The package as built, minus the addon: what a platform without a prebuilt binary or a compiler gets. */
function packageWithoutAddon(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasi-evloop-noaddon-'));
  cpSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  cpSync(join(REPO, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(REPO, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(REPO, 'wasm'), join(dir, 'wasm'), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const pkg = packageWithoutAddon();
const cli = join(pkg, 'bin', 'wasi-evloop.js');

test('serve --transport kernel without the addon: exit 1, one line saying why and what to do', () => {
  const r = spawnSync(process.execPath, [cli, 'serve', '--transport', 'kernel', '--port', '0'], { encoding: 'utf8', timeout: 20_000 });
  assert.is(r.status, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^wasi-evloop: the kernel transport is unavailable: no kernel-socket addon for linux-\w+ in .*: build it with a C compiler/);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

test('run() with transport kernel without the addon rejects with TransportUnavailableError', () => {
  const script = `
    const { run, TransportUnavailableError } = await import(${JSON.stringify(join(pkg, 'dist', 'node', 'index.js'))});
    const e = await run(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]), { transport: 'kernel' }).then(() => null, (e) => e);
    console.log(JSON.stringify({ typed: e instanceof TransportUnavailableError, transport: e?.transport, reason: e?.reason }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  const result = JSON.parse(r.stdout) as { typed: boolean; transport: string; reason: string };
  assert.ok(result.typed, r.stdout + r.stderr);
  assert.is(result.transport, 'kernel');
  assert.match(result.reason, /no kernel-socket addon/);
});

test('serve with no transport asked for falls back to node-net, says so once on stderr, and serves', async () => {
  const proc = startCli(['serve', '--port', '0'], cli);
  try {
    const [, port] = await proc.waitFor('stdout', /listening on 127\.0\.0\.1:(\d+) \(.*transport node-net\)/, 20_000);
    assert.is((await echoOnce(Number(port), Buffer.from('fallback'))).toString(), 'fallback');
    assert.match(proc.stderr(), /^wasi-evloop: the kernel transport is unavailable \(no kernel-socket addon .*\); using node-net\n$/);
  } finally {
    proc.child.kill('SIGTERM');
    await proc.exited();
  }
});

test.after(() => rmSync(pkg, { recursive: true, force: true }));

test.run();
