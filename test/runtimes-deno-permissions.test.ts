// Deno's sandbox: the README's flags (--allow-read=<package> --allow-net=
// 127.0.0.1 --allow-ffi) are enough to serve on the kernel transport; each one
// left out is a one-line message naming the flag, never a crash:
// - no --allow-net: the listen is refused on every transport (ListenError,
//   exit 1), the kernel one included (its addon could listen past Deno);
// - no --allow-ffi: the kernel transport is unavailable (asked for: exit 1
//   naming --allow-ffi; not asked for: node-net, with one line saying why);
// - no --allow-read for the package: exit 1, the refusal as Deno words it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { echoOnce } from './helpers/echo-client.js';
import { cliUnder, jsRuntimes, type JsRuntime } from './helpers/js-runtimes.js';
import { requirePrerequisite } from './helpers/prerequisites.js';
import { REPO } from './helpers/servers.js';

const deno = jsRuntimes().find((rt) => rt.family === 'deno')!;
const it = requirePrerequisite(test, deno.prerequisite);
const NODE_RUNTIME_LINE = /^wasi-evloop: the node runtime is unavailable \(.*\); using shim\n/;

async function serves(rt: JsRuntime, args: string[], permissions: Parameters<typeof cliUnder>[2], transport: string): Promise<string> {
  const cli = cliUnder(rt, ['serve', '--port', '0', ...args], permissions);
  try {
    const [, port] = await cli.waitFor('stdout', new RegExp(`listening on 127\\.0\\.0\\.1:(\\d+) \\(backend epoll, runtime shim, transport ${transport}\\)\\n`), 30_000);
    assert.is((await echoOnce(Number(port), Buffer.from('sandboxed'))).toString(), 'sandboxed');
    return cli.stderr();
  } finally {
    cli.child.kill('SIGTERM');
    await cli.exited(15_000);
  }
}

it('deno: the README flags serve on the kernel transport, with nothing to say but the runtime choice', async () => {
  const stderr = await serves(deno, [], { read: [REPO], net: ['127.0.0.1'], ffi: true }, 'kernel');
  assert.match(stderr, NODE_RUNTIME_LINE);
  assert.is(stderr.split('\n')[1], '', stderr);
});

for (const transport of ['kernel', 'node-net']) {
  it(`deno without --allow-net, transport ${transport}: exit 1, "cannot listen on 127.0.0.1:0: … run deno with --allow-net=127.0.0.1"`, async () => {
    const result = await cliUnder(deno, ['serve', '--port', '0', '--transport', transport], { read: [REPO], ffi: true }).exited(30_000);
    assert.is(result.code, 1);
    assert.is(result.stdout, '');
    assert.is(result.stderr.replace(NODE_RUNTIME_LINE, ''), "wasi-evloop: cannot listen on 127.0.0.1:0: Deno's permissions do not allow it: run deno with --allow-net=127.0.0.1\n");
  });
}

it("deno without --allow-read for the package: exit 1, the last line \"Deno's permissions refused it (Requires read access to …)\"", async () => {
  const result = await cliUnder(deno, ['serve', '--port', '0'], { net: ['127.0.0.1'], ffi: true }).exited(30_000);
  assert.is(result.code, 1);
  assert.is(result.stdout, '');
  assert.match(result.stderr.trim().split('\n').pop()!, /^wasi-evloop: Deno's permissions refused it \(Requires read access to "[^"]+", run again with the --allow-read flag\)$/);
});

it('deno without --allow-ffi, --transport kernel: exit 1, the kernel transport is unavailable, run deno with --allow-ffi', async () => {
  const result = await cliUnder(deno, ['serve', '--port', '0', '--transport', 'kernel'], { read: [REPO], net: ['127.0.0.1'] }).exited(30_000);
  assert.is(result.code, 1);
  assert.match(
    result.stderr.replace(NODE_RUNTIME_LINE, ''),
    /^wasi-evloop: the kernel transport is unavailable: Deno's permissions refused it \(Requires ffi access to "[^"]+\.node".*\): run deno with --allow-ffi \(or --allow-ffi=\S+\.node\)\n$/,
  );
});

it('deno without --allow-ffi, nothing asked: node-net, one line saying why, and it serves', async () => {
  const stderr = await serves(deno, [], { read: [REPO], net: ['127.0.0.1'] }, 'node-net');
  assert.match(stderr.replace(NODE_RUNTIME_LINE, ''), /^wasi-evloop: the kernel transport is unavailable \(Deno's permissions refused it .*run deno with --allow-ffi.*\); using node-net\n$/);
});

test.run();
