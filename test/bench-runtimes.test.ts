// The README's "Which JavaScript runtime runs it fastest" command, made
// short: `npm run bench -- --servers …@RUNTIME --cases … --rounds … --out …`
// starts the wasm epoll server under every JavaScript runtime the tests know
// (test/helpers/js-runtimes.ts), loads it, and writes its results where --out
// says. It asserts nothing about speed.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsRuntimes } from './helpers/js-runtimes.js';
import { requirePrerequisite } from './helpers/prerequisites.js';
import { REPO } from './helpers/servers.js';

const runtimes = jsRuntimes();
const it = requirePrerequisite(test, ...runtimes.map((rt) => rt.prerequisite));
const OUT = 'build/bench-runtimes-test';

/** The README's command, as it stands there. */
const README_COMMAND =
  'npm run bench -- --servers native-epoll,node-echo,wasm-epoll-kernel,wasm-epoll-kernel@node20,wasm-epoll-kernel@node22,wasm-epoll-kernel@node24,wasm-epoll-kernel@node26,wasm-epoll-kernel@deno,wasm-epoll-kernel@bun --cases rr,stream,scale-5000 --rounds 3 --out build/bench-runtimes';
/** Made short for a test (the last of a repeated option wins): one round of about a second per case, two cases. */
const SHORTER = ['--quick', '--cases', 'rr,stream', '--rounds', '1', '--out', OUT];

it("the README's npm run bench -- --servers …@RUNTIME --cases … --rounds … --out …: each runtime serves every case", () => {
  const args = README_COMMAND.replace(/^npm run bench -- /, '').split(' ');
  const servers = args[args.indexOf('--servers') + 1]!.split(',');
  // Every runtime the tests know is in the README's list, and each of its kinds exists.
  for (const rt of runtimes) assert.ok(servers.includes(`wasm-epoll-kernel@${rt.name}`), `the README's command lacks wasm-epoll-kernel@${rt.name}`);
  rmSync(`${REPO}${OUT}`, { recursive: true, force: true });
  const r = spawnSync(process.execPath, [`${REPO}dist/bench/run.js`, ...args, ...SHORTER], {
    cwd: REPO, encoding: 'utf8', timeout: 300_000, env: { ...process.env, CI: 'true' },
  });
  assert.is(r.status, 0, `bench failed:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  const results = JSON.parse(readFileSync(`${REPO}${OUT}/latest.json`, 'utf8')) as {
    servers: { name: string; status: string }[];
    runs: { server: string; case: string; status: string; loadgen?: { requests?: number; active_failures?: Record<string, number> } }[];
  };
  assert.equal(results.servers.map((s) => s.name).sort(), [...servers].sort());
  for (const s of results.servers) assert.is(s.status, 'ok', `${s.name}: ${s.status}`);
  for (const server of servers) {
    for (const id of ['rr', 'stream']) {
      const run = results.runs.find((x) => x.server === server && x.case === id);
      assert.ok(run, `${server} ${id}: not run`);
      assert.is(run.status, 'ok', `${server} ${id}: ${run.status}`);
      const failures = Object.values(run.loadgen?.active_failures ?? {}).reduce((a, b) => a + b, 0);
      assert.is(failures, 0, `${server} ${id}: ${JSON.stringify(run.loadgen?.active_failures)}`);
    }
  }
});

test.run();
