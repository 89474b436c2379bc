// Several instances of a module that stops calling the host (a busy loop in
// wasm): a stop ends every instance when the grace runs out, as for one
// instance (each worker is terminated), and run() rejects with
// ModuleStoppedError; nothing is restarted after a stop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModuleStoppedError, run } from '../ts/index.js';
import { until } from './helpers/clients.js';
import { sleep, withTimeout } from './helpers/echo-client.js';
import { assemble, SERVE_THEN_SPIN_WAT } from './helpers/wat.js';

const GRACE_MS = 300;

test('2 instances busy in wasm: a stop ends both when the grace runs out, with no restart', async () => {
  const controller = new AbortController();
  let stderr = '';
  let listening = false;
  const exit = run(await assemble(SERVE_THEN_SPIN_WAT), {
    instances: 2,
    transport: 'kernel',
    tcplisten: ['127.0.0.1:0'],
    stopGraceMs: GRACE_MS,
    signal: controller.signal,
    stderr: (bytes) => (stderr += Buffer.from(bytes).toString()),
    onListening: () => (listening = true),
  });
  const outcome = exit.then(() => null, (e: unknown) => e);
  await until(() => listening, 5000, 'the listeners');
  // Both have served (slept once) and are spinning.
  await sleep(200);
  const stopped = Date.now();
  controller.abort();
  const error = await withTimeout('the grace to end both', GRACE_MS + 5000, outcome);
  assert.instance(error, ModuleStoppedError);
  assert.ok(Date.now() - stopped >= GRACE_MS, 'not before the grace ran out');
  assert.not.match(stderr, /restart/, 'nothing restarted after a stop');
});

test.run();
