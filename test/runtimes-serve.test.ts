// serve under every JavaScript runtime (Node 20–26, Deno, Bun: helpers/
// js-runtimes.ts), over every backend × WASI runtime × transport that runtime
// can load (as it says itself): through the CLI, 64 KiB echoed exactly, then
// SIGTERM → status 0 and the core's stats line; through the API (serve() in
// one process per runtime), the same echo, then close() → `finished` 0 and
// the host's counts. Under Deno with the README's flags only.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS } from '../ts/index.js';
import { echoOnce, withTimeout } from './helpers/echo-client.js';
import { CLI_PERMISSIONS, cliUnder, forEachJsRuntime, usable, type JsRuntime } from './helpers/js-runtimes.js';
import { parseStats, REPO } from './helpers/servers.js';

const PAYLOAD = randomBytes(64 * 1024);

/** Every cell `rt` can serve: backend/runtime/transport. */
function cells(rt: JsRuntime): string[] {
  if (rt.bin === null) return [];
  const { runtimes, transports } = usable(rt);
  return BACKENDS.flatMap((b) => runtimes.flatMap((r) => transports.map((t) => `${b}/${r}/${t}`)));
}

forEachJsRuntime(test, (rt, it) => {
  const all = cells(rt);
  // An absent runtime still registers one test, skipped with the line saying how to get it.
  if (all.length === 0) it(`${rt.name}: serve`, () => {});

  for (const cell of all) {
    const [backend, runtime, transport] = cell.split('/');
    it(`${rt.name} cli ${cell}: 64 KiB echoed exactly, SIGTERM → exit 0 with the stats line`, async () => {
      const cli = cliUnder(rt, ['serve', '--backend', backend!, '--runtime', runtime!, '--transport', transport!, '--port', '0']);
      try {
        const [, port, said] = await cli.waitFor('stdout', /listening on 127\.0\.0\.1:(\d+) \((.*)\)\n/, 30_000);
        assert.is(said, `backend ${backend}, runtime ${runtime}, transport ${transport}`);
        assert.ok((await echoOnce(Number(port), PAYLOAD)).equals(PAYLOAD), '64 KiB echoed exactly');
        cli.child.kill('SIGTERM');
        const result = await cli.exited(15_000);
        assert.equal([result.code, result.signal], [0, null], result.stderr);
        assert.equal(parseStats(result.stderr), { accepted: 1, refused: 0, closed: 1, bytes_in: PAYLOAD.length, bytes_out: PAYLOAD.length, dropped: 0 });
      } finally {
        cli.child.kill('SIGKILL');
      }
    });
  }

  if (all.length > 0) {
    it(`${rt.name} api: serve() on all ${all.length} cells in one process, each echoes exactly; close() → finished 0`, async () => {
      const argv = rt.argv(join(REPO, 'dist', 'test', 'helpers', 'api-serve-child.js'), all, CLI_PERMISSIONS);
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (b: Buffer) => (out += b));
      child.stderr.on('data', (b: Buffer) => (err += b));
      const line = (n: number) =>
        withTimeout(`line ${n} of ${rt.name}'s api child (stderr: ${err})`, 60_000, new Promise<string>((resolve, reject) => {
          const check = () => {
            const lines = out.split('\n');
            if (lines.length > n) resolve(lines[n - 1]!);
          };
          child.stdout.on('data', check);
          child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
          check();
        }));
      try {
        const ports = JSON.parse(await line(1)) as Record<string, number>;
        assert.equal(Object.keys(ports).sort(), [...all].sort());
        for (const cell of all) assert.ok((await echoOnce(ports[cell]!, PAYLOAD)).equals(PAYLOAD), `${cell}: 64 KiB echoed exactly`);
        child.stdin.end('close\n');
        const ended = JSON.parse(await line(2)) as Record<string, { code: number | string; stats: { accepted: number; bytesIn: number; bytesOut: number } }>;
        for (const cell of all) {
          const { code, stats } = ended[cell]!;
          assert.is(code, 0, `${cell}: finished`);
          assert.equal([stats.accepted, stats.bytesIn, stats.bytesOut], [1, PAYLOAD.length, PAYLOAD.length], `${cell}: the host's counts`);
        }
      } finally {
        child.kill('SIGKILL');
      }
    });
  }
});

test.run();
