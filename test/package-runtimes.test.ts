// How a user starts it under each JavaScript runtime, from the installed
// tarball (helpers/installed-package.ts), with the commands of the README's
// "Where it runs", offline:
// - Node: `npx wasi-evloop serve`
// - Deno: `deno run --allow-read=node_modules/wasi-evloop --allow-net=127.0.0.1
//   --allow-ffi npm:wasi-evloop serve` (npm: resolved from node_modules)
// - Bun: `bunx --bun wasi-evloop serve` (`bunx` is `bun x`)
// Each serves on the kernel transport, echoes, and closes gracefully on
// Ctrl-C (SIGINT to the terminal's process group), leaving no process behind.
// And the API, `import { serve } from 'wasi-evloop'` in the app, under every runtime.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { echoOnce, withTimeout } from './helpers/echo-client.js';
import { installedPackage, NPM_ENV } from './helpers/installed-package.js';
import { forEachJsRuntime, type Family, type JsRuntime } from './helpers/js-runtimes.js';

/** README, "Where it runs": the command that starts the server, per runtime family, in the app's folder. */
const START: Readonly<Record<Family, (bin: string) => string[]>> = {
  node: () => ['npx', 'wasi-evloop', 'serve'],
  deno: (deno) => [deno, 'run', '--allow-read=node_modules/wasi-evloop', '--allow-net=127.0.0.1', '--allow-ffi', 'npm:wasi-evloop', 'serve'],
  bun: (bun) => [bun, 'x', '--bun', 'wasi-evloop', 'serve'],
};

const API = `
import { serve } from 'wasi-evloop';
const server = await serve({ port: 0, stderr: 'ignore' });
console.log(JSON.stringify({ port: server.address.port, runtime: server.runtime, transport: server.transport }));
process.stdin.once('data', async () => {
  await server.close();
  console.log(JSON.stringify({ finished: await server.finished }));
  process.exit(0);
});
`;

/** Spawns `argv` in `cwd` as a terminal would (its own process group); lines of stdout as they come. */
function started(argv: string[], cwd: string, stdin: 'pipe' | 'ignore') {
  const child = spawn(argv[0]!, argv.slice(1), { cwd, env: NPM_ENV, stdio: [stdin, 'pipe', 'pipe'], detached: true });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (b: Buffer) => (out.stdout += b));
  child.stderr!.on('data', (b: Buffer) => (out.stderr += b));
  // 'close': every process holding its output has ended (a wrapper such as npx or bunx may end before the server).
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const line = (n: number, pattern: RegExp) =>
    withTimeout(`line ${n} of ${argv.join(' ')} (${JSON.stringify(out)})`, 60_000, new Promise<RegExpExecArray>((resolve) => {
      const check = () => {
        const match = pattern.exec(out.stdout.split('\n')[n - 1] ?? '');
        if (match && out.stdout.split('\n').length > n) resolve(match);
      };
      child.stdout!.on('data', check);
      check();
    }));
  const groupGone = () => {
    try {
      process.kill(-child.pid!, 0);
      return false;
    } catch {
      return true;
    }
  };
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  return { child, out, exited, line, groupGone, killGroup };
}

forEachJsRuntime(test, (rt: JsRuntime, it) => {
  // One start command per family: npx runs the machine's Node, whichever this is.
  if (rt.family !== 'node' || rt.bin === process.execPath) {
    it(`${rt.name}: the README's start command from the installed package serves on kernel; Ctrl-C closes it gracefully, nothing left`, async () => {
      const { app } = await installedPackage();
      const argv = [...START[rt.family](rt.bin!), '--port', '0'];
      const p = started(argv, app, 'ignore');
      try {
        const [, port, runtime, transport] = await p.line(1, /^listening on 127\.0\.0\.1:(\d+) \(backend epoll, runtime (\S+), transport (\S+)\)$/);
        assert.equal([runtime, transport], [rt.family === 'node' ? 'node' : 'shim', 'kernel']);
        assert.is((await echoOnce(Number(port), Buffer.from(`hello from ${rt.name}`))).toString(), `hello from ${rt.name}`);
        p.killGroup('SIGINT');
        await withTimeout('the command to end', 15_000, p.exited);
        assert.match(p.out.stderr, /^stats: accepted=1 refused=0 closed=1 /m);
        await withTimeout('every process of the group to end', 5000, (async () => {
          while (!p.groupGone()) await new Promise((r) => setTimeout(r, 50));
        })());
      } finally {
        p.killGroup('SIGKILL');
      }
    });
  }

  it(`${rt.name}: import { serve } from 'wasi-evloop' in the app serves, echoes, and close() ends it with 0`, async () => {
    const { app } = await installedPackage();
    const script = join(app, `api-${rt.name}.mjs`);
    writeFileSync(script, API);
    const argv = rt.argv(script, [], { read: [join(app, 'node_modules', 'wasi-evloop')], net: ['127.0.0.1'], ffi: true });
    const p = started(argv, app, 'pipe');
    try {
      const [json] = await p.line(1, /^\{.*\}$/);
      const ready = JSON.parse(json) as { port: number; runtime: string; transport: string };
      assert.equal([ready.runtime, ready.transport], [rt.family === 'node' ? 'node' : 'shim', 'kernel']);
      assert.is((await echoOnce(ready.port, Buffer.from('api'))).toString(), 'api');
      p.child.stdin!.end('close\n');
      const [done] = await p.line(2, /^\{.*\}$/);
      assert.equal(JSON.parse(done), { finished: 0 });
      await withTimeout('the app to end', 15_000, p.exited);
    } finally {
      p.killGroup('SIGKILL');
    }
  });
});

test.run();
