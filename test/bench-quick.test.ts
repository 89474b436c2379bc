// The benchmark's smoke run: every server kind starts, answers every byte
// correctly under each load of its program (echo, HTTP), and is stopped;
// run()'s start-up is measured. It asserts nothing about speed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO } from './helpers/servers.js';

test('npm run bench -- --quick: every server starts and answers correctly', () => {
  const r = spawnSync(process.execPath, [`${REPO}dist/bench/run.js`, '--quick'], {
    cwd: REPO, encoding: 'utf8', timeout: 240_000, env: { ...process.env, CI: 'true' },
  });
  assert.is(r.status, 0, `bench --quick failed:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  const results = JSON.parse(readFileSync(`${REPO}build/bench-quick/latest.json`, 'utf8')) as {
    servers: { name: string; status: string; backend?: string; program: string }[];
    cases: { id: string; load: { mode: string } }[];
    runs: {
      server: string;
      case: string;
      status: string;
      firstEchoMs?: number;
      loadgen?: { active_failures?: Record<string, number>; idle_failures?: Record<string, number>; requests?: number };
    }[];
    run_exit_summary?: { calls: number; run_ms: { median: number }; node_wasi_ms: { median: number } };
  };
  const names = results.servers.map((s) => s.name).sort();
  assert.equal(names, [
    'http-native', 'http-wasm-kernel', 'http-wasm-node-net',
    'native-epoll', 'native-poll', 'native-select', 'node-echo',
    'wasm-epoll-kernel', 'wasm-epoll-node-net', 'wasm-poll-kernel', 'wasm-poll-node-net', 'wasm-select-kernel', 'wasm-select-node-net',
  ]);
  for (const s of results.servers) assert.is(s.status, 'ok', `${s.name}: ${s.status}`);
  const caseIds = results.cases.map((c) => c.id);
  assert.ok(caseIds.includes('rr') && caseIds.includes('stream'), `cases: ${caseIds.join(', ')}`);
  assert.ok(caseIds.some((id) => id.startsWith('scale-')) && caseIds.some((id) => id.startsWith('setup-')), `cases: ${caseIds.join(', ')}`);
  assert.ok(['http-20', 'http-500', 'http-idle-100'].every((id) => caseIds.includes(id)), `cases: ${caseIds.join(', ')}`);
  // Each server takes every case of its program, and only those.
  const httpCase = new Set(results.cases.filter((c) => c.load.mode === 'http').map((c) => c.id));
  for (const s of results.servers) {
    for (const id of caseIds) {
      const ran = results.runs.some((r) => r.server === s.name && r.case === id);
      assert.is(ran, httpCase.has(id) === (s.program === 'http'), `${s.name} ${id}: ${ran ? 'run' : 'not run'}`);
    }
  }
  // The HTTP loads really ran: requests answered, every byte of every response checked by the load generator.
  for (const run of results.runs.filter((r) => r.case === 'http-20' || r.case === 'http-500')) {
    assert.ok((run.loadgen?.requests ?? 0) > 0, `${run.server} ${run.case}: no request answered`);
  }
  // run() of a module that exits at once was timed against plain node:wasi.
  const runExit = results.run_exit_summary;
  assert.ok(runExit && runExit.calls > 0 && runExit.run_ms.median > 0 && runExit.node_wasi_ms.median > 0, 'run-exit measured');
  const backend = new Map(results.servers.map((s) => [s.name, s.backend]));
  for (const run of results.runs) {
    assert.ok(run.status === 'ok' || (run.status === 'capped' && backend.get(run.server) === 'select'), `${run.server} ${run.case}: ${run.status}`);
    // Every fresh server echoed a first byte before its load.
    assert.ok(run.firstEchoMs !== undefined && run.firstEchoMs > 0, `${run.server} ${run.case}: no first echo timed`);
    // select at FD_SETSIZE refuses the active connections by design.
    if (run.status === 'capped') continue;
    const failures = [run.loadgen?.active_failures, run.loadgen?.idle_failures]
      .flatMap((f) => Object.values(f ?? {}))
      .reduce((a, b) => a + b, 0);
    assert.is(failures, 0, `${run.server} ${run.case}: failed or wrong answers`);
  }
});

test.run();
