// node:net transport, inbound backpressure: while the module does not read,
// main stops reading the socket once `limits.inbound` bytes wait for it; the
// rest stays in the kernel and the client, not in the host's memory.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from './helpers/clients.js';
import { connect, sleep } from './helpers/echo-client.js';
import { startTransportEcho } from './helpers/transport-echo.js';

test('a module that never reads holds at most the inbound limit plus one read', async () => {
  const inbound = 128 * 1024;
  const echo = await startTransportEcho('noread', { inbound });
  const socket = await connect(echo.port);
  try {
    const chunk = Buffer.alloc(64 * 1024, 7);
    // Push far more than every buffer on the way could hold, ignoring 'drain'.
    for (let i = 0; i < 256; i++) socket.write(chunk);
    await until(() => echo.main.stats().bytesIn > inbound, 5000, 'the host to read past the inbound limit');
    await sleep(300);
    const held = echo.main.stats().bytesIn;
    assert.ok(held <= inbound + 64 * 1024, `host read ${held} bytes for a module that reads nothing`);
    await sleep(300);
    assert.is(echo.main.stats().bytesIn, held, 'the host kept reading a paused socket');
  } finally {
    socket.destroy();
    await echo.stop();
  }
});

test.run();
