// Virtual network: connections still waiting for accept() when the module
// closes its listener are reset, and later connects are refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readAll, settle, virtualPair } from './helpers/virtual-network.js';

test('pending connections are reset when the listener closes; new ones are refused', async () => {
  const { owner, module } = await virtualPair();
  const waiting = [await owner.connect(), await owner.connect()];
  module.close(module.listeners[0]!);
  module.wait(0);
  for (const socket of waiting) {
    await readAll(socket).then(
      () => assert.unreachable('reset, not EOF'),
      (error: { code?: string }) => assert.is(error.code, 'ECONNRESET'),
    );
  }
  await settle();
  assert.is(owner.connections, 0, 'their slots went back');
  await owner.connect().then(
    () => assert.unreachable('nothing listens any more'),
    (error: { code?: string }) => assert.is(error.code, 'ECONNREFUSED'),
  );
  await owner.close(0);
});

test.run();
