// Virtual network, half-close: after the client's FIN the module still reads
// every byte sent before it, then EOF (recv 0), and can still send: the client
// reads the whole echo, then EOF when the module closes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readAll, startVirtualEcho } from './helpers/virtual-network.js';

test('bytes sent before FIN are all echoed after it, then EOF', async () => {
  const echo = await startVirtualEcho('echo');
  try {
    const socket = await echo.owner.connect();
    const reply = readAll(socket);
    const writer = socket.writable.getWriter();
    await writer.write(new TextEncoder().encode('first '));
    await writer.write(new TextEncoder().encode('and last'));
    await writer.close();
    assert.is(new TextDecoder().decode(await reply), 'first and last');
  } finally {
    await echo.stop();
  }
});

test.run();
