// The benchmark's smoke run: every server kind starts, echoes every byte
// correctly under each load, and is stopped. It asserts nothing about speed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO } from './helpers/servers.js';

test('npm run bench -- --quick: every server starts and echoes correctly', () => {
  const r = spawnSync(process.execPath, [`${REPO}dist/bench/run.js`, '--quick'], {
    cwd: REPO, encoding: 'utf8', timeout: 240_000, env: { ...process.env, CI: 'true' },
  });
  assert.is(r.status, 0, `bench --quick failed:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  const results = JSON.parse(readFileSync(`${REPO}build/bench-quick/latest.json`, 'utf8')) as {
    servers: { name: string; status: string; backend?: string }[];
    cases: { id: string }[];
    runs: { server: string; case: string; status: string; firstEchoMs?: number; loadgen?: { active_failures?: Record<string, number> } }[];
  };
  const names = results.servers.map((s) => s.name).sort();
  assert.equal(names, [
    'native-epoll', 'native-poll', 'native-select', 'node-echo',
    'wasm-epoll-kernel', 'wasm-epoll-node-net', 'wasm-poll-kernel', 'wasm-poll-node-net', 'wasm-select-kernel', 'wasm-select-node-net',
  ]);
  for (const s of results.servers) assert.is(s.status, 'ok', `${s.name}: ${s.status}`);
  const caseIds = results.cases.map((c) => c.id);
  assert.ok(caseIds.includes('rr') && caseIds.includes('stream'), `cases: ${caseIds.join(', ')}`);
  assert.ok(caseIds.some((id) => id.startsWith('scale-')) && caseIds.some((id) => id.startsWith('setup-')), `cases: ${caseIds.join(', ')}`);
  for (const name of names) {
    for (const id of caseIds) assert.ok(results.runs.some((r) => r.server === name && r.case === id), `${name} ${id}: not run`);
  }
  const backend = new Map(results.servers.map((s) => [s.name, s.backend]));
  for (const run of results.runs) {
    assert.ok(run.status === 'ok' || (run.status === 'capped' && backend.get(run.server) === 'select'), `${run.server} ${run.case}: ${run.status}`);
    // Every fresh server echoed a first byte before its load.
    assert.ok(run.firstEchoMs !== undefined && run.firstEchoMs > 0, `${run.server} ${run.case}: no first echo timed`);
    // select at FD_SETSIZE refuses the active connections by design.
    if (run.status === 'capped') continue;
    const failures = Object.values(run.loadgen?.active_failures ?? {}).reduce((a, b) => a + b, 0);
    assert.is(failures, 0, `${run.server} ${run.case}: failed or wrong echoes`);
  }
});

test.run();
