// run() keeps a worker warm for the next module: one whose module ended
// cleanly (exit, trap, no start) runs the next; one the host had to end does
// not. A kept worker is idle and unref'd: a process whose modules have all
// ended exits at once. run() works from `node --input-type=module -e` (a
// worker does not inherit that option, which only -e and stdin take).
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { idleWorkers } from '../ts/runtime/worker-pool.js';
import { ModuleStoppedError, ModuleTrapError, run, TRANSPORTS } from '../ts/index.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { assemble } from './helpers/wat.js';
import { REPO } from './helpers/servers.js';

const exits = await assemble(`(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 5))))`);
const traps = await assemble(`(module (memory (export "memory") 1) (func (export "_start") unreachable))`);
const retrying = fixtureWasm('retry_accept');

/** The one idle worker's threadId. */
function kept(): number {
  assert.is(idleWorkers().length, 1, 'one worker kept');
  return idleWorkers()[0]!.threadId;
}

for (const transport of TRANSPORTS) {
  test(`${transport}: the worker of a module that exited or trapped runs the next module`, async () => {
    assert.is(await run(exits, { transport }), 5);
    const first = kept();
    assert.instance(await run(traps, { transport }).catch((e: unknown) => e), ModuleTrapError);
    assert.is(kept(), first, 'the same worker ran the trapping module, and is kept');
    assert.is(await run(exits, { transport }), 5);
    assert.is(kept(), first, 'and the next one');
  });

  test(`${transport}: the worker of a module the host had to end is not kept`, async () => {
    await run(exits, { transport });
    const before = kept();
    const controller = new AbortController();
    const ended = run(retrying, { transport, tcplisten: ['127.0.0.1:0'], stderr: 'ignore', signal: controller.signal, onListening: () => controller.abort() });
    assert.instance(await ended.catch((e: unknown) => e), ModuleStoppedError);
    assert.is(idleWorkers().length, 0, 'the worker that ran it was taken and not given back');
    await run(exits, { transport });
    assert.is.not(kept(), before, 'the next module got a new worker');
  });
}

function child(script: string, args: string[] = []): { status: number | null; stdout: string; stderr: string; ms: number } {
  const started = performance.now();
  const r = spawnSync(process.execPath, [...args, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - started };
}

test('a process whose run() has ended exits at once, its kept worker idle; run() works under --input-type=module', () => {
  const script = `
    const { run } = await import(${JSON.stringify(`${REPO}dist/node/index.js`)});
    const code = await run(new Uint8Array(${JSON.stringify([...exits])}));
    process.stdout.write('exit ' + code + '\\n');`;
  const r = child(script);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'exit 5\n');
  // Had the idle worker kept it alive, spawnSync would have waited for its 20 s timeout.
  assert.ok(r.ms < 15_000, `the process ended ${r.ms.toFixed(0)} ms after its start`);
});

test.run();
