// node:net transport, inbound backpressure: while the module does not read,
// the owner stops reading the socket once `limits.inbound` bytes wait for it;
// the rest stays in the kernel and the client, not in the host's memory.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, sleep } from './helpers/echo-client.js';
import { startTransportEcho } from './helpers/transport-echo.js';

test('a module that never reads holds at most the inbound limit plus one read', async () => {
  const inbound = 128 * 1024;
  const echo = await startTransportEcho('noread', { inbound });
  const socket = await connect(echo.port);
  let maxBuffered: number;
  try {
    const chunk = Buffer.alloc(64 * 1024, 7);
    // Push far more than every buffer on the way could hold, ignoring 'drain'.
    for (let i = 0; i < 256; i++) socket.write(chunk);
    await sleep(1000);
  } finally {
    socket.destroy();
    ({ maxBuffered } = await echo.stop());
  }
  assert.ok(maxBuffered > inbound / 2, `the module half received only ${maxBuffered} bytes`);
  assert.ok(maxBuffered <= inbound + 64 * 1024, `the host held ${maxBuffered} bytes for a module that reads nothing`);
});

test.run();
