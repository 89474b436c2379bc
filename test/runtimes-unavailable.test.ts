// What each JavaScript runtime cannot do, and what a user sees there. Each
// runtime's own answer (helpers/js-runtime-probe.ts) must be the README's
// table ("Where it runs"); where the node WASI runtime is unavailable (Deno
// and Bun: their node:wasi is not uvwasi), asking for it is a
// RuntimeUnavailableError (CLI: exit 1, one line saying why and what to do),
// and asking for nothing chooses the shim runtime, saying so in one line.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RuntimeName, TransportName } from '../ts/index.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { capabilities, CLI_PERMISSIONS, cliUnder, forEachJsRuntime, usable, type Family, type JsRuntime } from './helpers/js-runtimes.js';
import { REPO } from './helpers/servers.js';

/** README, "Where it runs": the WASI runtimes and transports each JavaScript runtime has. */
const DOCUMENTED: Readonly<Record<Family, { runtimes: RuntimeName[]; transports: TransportName[] }>> = {
  node: { runtimes: ['node', 'shim'], transports: ['kernel', 'node-net'] },
  deno: { runtimes: ['shim'], transports: ['kernel', 'node-net'] },
  bun: { runtimes: ['shim'], transports: ['kernel', 'node-net'] },
};

const NODE_RUNTIME_REASON = /^it is built on Node's node:wasi \(uvwasi\), and (Deno|Bun) [\d.]+ has a node:wasi of its own; use the shim runtime \(--runtime shim\), or run under Node$/;

function apiChild(rt: JsRuntime, scenario: string): { stdout: Record<string, unknown>; stderr: string } {
  const argv = rt.argv(join(REPO, 'dist', 'test', 'helpers', 'api-choice-child.js'), [scenario], CLI_PERMISSIONS);
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  assert.is(r.status, 0, r.stderr);
  return { stdout: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
}

forEachJsRuntime(test, (rt, it) => {
  it(`${rt.name}: the WASI runtimes and transports it has are the README's`, () => {
    const { runtimes, transports } = usable(rt);
    assert.equal({ runtimes, transports }, DOCUMENTED[rt.family]);
  });

  if (DOCUMENTED[rt.family].runtimes.includes('node')) return;

  it(`${rt.name}: serve --runtime node → exit 1, one line: the node runtime is unavailable, why, what to do`, async () => {
    const reason = capabilities(rt).runtimes.node!;
    assert.match(reason, NODE_RUNTIME_REASON);
    const result = await cliUnder(rt, ['serve', '--runtime', 'node', '--port', '0']).exited(30_000);
    assert.is(result.code, 1);
    assert.is(result.stdout, '');
    assert.is(result.stderr, `wasi-evloop: the node runtime is unavailable: ${reason}\n`);
  });

  it(`${rt.name}: run --runtime node → exit 1, the same line`, async () => {
    const reason = capabilities(rt).runtimes.node!;
    const result = await cliUnder(rt, ['run', fixtureWasm('blocking_echo'), '--runtime', 'node']).exited(30_000);
    assert.is(result.code, 1);
    assert.is(result.stderr, `wasi-evloop: the node runtime is unavailable: ${reason}\n`);
  });

  it(`${rt.name}: serve() and run() with runtime 'node' reject with RuntimeUnavailableError (runtime, reason)`, () => {
    const reason = capabilities(rt).runtimes.node!;
    const expected = { error: 'RuntimeUnavailableError', runtime: 'node', reason, message: `the node runtime is unavailable: ${reason}` };
    assert.equal(apiChild(rt, 'ask-node').stdout, { serve: expected, run: expected });
  });

  it(`${rt.name}: nothing asked → the shim runtime, and one line on stderr saying why`, async () => {
    const reason = capabilities(rt).runtimes.node!;
    const line = `wasi-evloop: the node runtime is unavailable (${reason}); using shim\n`;
    const api = apiChild(rt, 'default');
    assert.equal(api.stdout, { runtime: 'shim', transport: 'kernel' });
    assert.is(api.stderr, line);

    const cli = cliUnder(rt, ['serve', '--port', '0']);
    try {
      await cli.waitFor('stdout', /listening on 127\.0\.0\.1:\d+ \(backend epoll, runtime shim, transport kernel\)\n/, 30_000);
      assert.is(cli.stderr(), line);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited(15_000);
    }
  });
});

test.run();
