// Virtual network, RST: a client that resets mid-stream gives the module
// ECONNRESET on that connection only; the other connections go on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from './helpers/clients.js';
import { readExactly, startVirtualEcho } from './helpers/virtual-network.js';

test('RST gives ECONNRESET to the module, other connections go on', async () => {
  const echo = await startVirtualEcho('echo');
  let resets = -1;
  try {
    const victim = await echo.owner.connect();
    const writer = victim.writable.getWriter();
    await writer.write(new Uint8Array(1000).fill(1));
    await readExactly(victim, 1000);
    victim.reset();
    await until(() => echo.control.stats().closed === 1, 5000, 'the module to close the reset connection');
    const other = await echo.owner.connect();
    await other.writable.getWriter().write(new TextEncoder().encode('still here'));
    assert.is(new TextDecoder().decode(await readExactly(other, 10)), 'still here');
    const read = victim.readable.getReader().read();
    await read.then(
      () => assert.unreachable('the reset end reads nothing'),
      (error: { code?: string }) => assert.is(error.code, 'ECONNRESET'),
    );
  } finally {
    resets = (await echo.stop()).resets;
  }
  assert.is(resets, 1);
});

test.run();
