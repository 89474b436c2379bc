// serve()'s and run()'s `instances` and `maxRestarts`, checked: a bad value is
// a UsageError saying what is expected; several instances on the node-net
// transport are a TransportUnavailableError saying why and what to do, and
// nothing is left listening.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, serve, TransportUnavailableError, UsageError } from '../ts/index.js';

for (const instances of [0, -1, 1.5, 257, 'two', '2', null]) {
  test(`serve({ instances: ${JSON.stringify(instances)} }) is a UsageError`, async () => {
    const error = await serve({ port: 0, instances: instances as never }).catch((e: unknown) => e);
    assert.instance(error, UsageError);
    assert.match((error as Error).message, `instances must be 'auto' or a whole number from 1 to 256`);
  });
}

for (const maxRestarts of [-1, 0.5, 1000001, '3']) {
  test(`run({ maxRestarts: ${JSON.stringify(maxRestarts)} }) is a UsageError`, async () => {
    const error = await run('wasm/echo-epoll.wasm', { instances: 2, maxRestarts: maxRestarts as never }).catch((e: unknown) => e);
    assert.instance(error, UsageError);
    assert.match((error as Error).message, `maxRestarts must be a whole number from 0 to 1000000`);
  });
}

test('node-net with 2 instances: TransportUnavailableError saying why and to use the kernel transport', async () => {
  const error = await serve({ port: 0, transport: 'node-net', instances: 2 }).catch((e: unknown) => e);
  assert.instance(error, TransportUnavailableError);
  assert.is((error as TransportUnavailableError).transport, 'node-net');
  assert.match((error as Error).message, /several instances need the kernel transport/);
  assert.match((error as Error).message, /--transport kernel/);
  const running = await run('wasm/echo-epoll.wasm', { transport: 'node-net', instances: 2, tcplisten: ['127.0.0.1:0'] }).catch((e: unknown) => e);
  assert.instance(running, TransportUnavailableError);
});

test('node-net with one instance is as before', async () => {
  const server = await serve({ port: 0, transport: 'node-net', instances: 1, stderr: 'ignore' });
  assert.is(server.instances, 1);
  await server.close();
});

test.run();
