// The load generator on a window in which no request is answered: it says
// where the outstanding requests were at the window's end (acknowledged by the
// server's kernel or still on the way), what the server's threads were doing
// and how long they and the load generator waited for a CPU, so that a stall in a benchmark tells a
// server that slept through its input from one the machine did not run, or a
// network that held the bytes. A window with answers carries no such report.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildLoadgen, runLoadgen, type LoadSpec } from '../bench/loadgen.js';
import { C_COMPILER, requirePrerequisite } from './helpers/prerequisites.js';

const withCompiler = requirePrerequisite(test, C_COMPILER);

/** A server in its own process: `sink` accepts and never reads (its kernel still acknowledges every byte); `echo` answers. */
async function startServer(kind: 'sink' | 'echo'): Promise<{ child: ChildProcess; port: number }> {
  const onConnection = kind === 'sink' ? '(s) => { s.pause(); held.push(s); }' : '(s) => s.pipe(s)';
  const code =
    `const net = require('node:net'); const held = [];` +
    `const server = net.createServer(${onConnection}).listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));` +
    // Bounded: the test kills it long before.
    `setTimeout(() => process.exit(0), 60_000).unref(); setInterval(() => {}, 1 << 30);`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!.setEncoding('utf8'), 'data')) as [string];
  const port = Number(line.trim());
  if (!(port > 0)) throw new Error(`the ${kind} server printed ${JSON.stringify(line)}, not its port`);
  return { child, port };
}

const spec: LoadSpec = { mode: 'rr', conns: 3, size: 64, warmupS: 0.1, durationS: 0.5, connectBudgetS: 10, pingBudgetS: 10 };

withCompiler('loadgen: an empty window says where the requests were and what the server did', async () => {
  buildLoadgen();
  const { child, port } = await startServer('sink');
  try {
    const r = await runLoadgen(spec, port, child.pid!, []);
    assert.is(r.ok, false);
    assert.is(r.requests, 0);
    const e = r.empty_window;
    assert.ok(e, `no empty_window in ${JSON.stringify(r)}`);
    // The server's kernel took every request (a delayed ACK comes within 200 ms; the window is longer): queued for a server that never read.
    assert.is(e.acked, spec.conns);
    assert.is(e.unacked, 0);
    assert.ok(e.oldest_s >= spec.warmupS + spec.durationS, `oldest ${e.oldest_s} s`);
    // Node's threads, each as its state and system call: asleep (nothing woke it: it reads nothing).
    assert.match(e.server_threads, /^([RSD]\d*)( [RSD]\d*)*$/);
    assert.match(e.server_threads, /S\d+/);
    assert.type(e.softnet_dropped, 'number');
    assert.type(e.tcp_retrans_segs, 'number');
    if (existsSync('/proc/self/schedstat')) {
      assert.type(r.server_run_delay_s, 'number');
      assert.ok(r.server_run_delay_s! >= 0);
      assert.type(r.loadgen_run_delay_s, 'number');
      assert.ok(r.loadgen_run_delay_s! >= 0);
    }
  } finally {
    child.kill('SIGKILL');
  }
});

withCompiler('loadgen: a window with answers carries no empty-window report', async () => {
  buildLoadgen();
  const { child, port } = await startServer('echo');
  try {
    const r = await runLoadgen(spec, port, child.pid!, []);
    assert.is(r.ok, true, JSON.stringify(r));
    assert.ok((r.requests ?? 0) > 0);
    assert.is(r.empty_window, undefined);
  } finally {
    child.kill('SIGKILL');
  }
});

test.run();
