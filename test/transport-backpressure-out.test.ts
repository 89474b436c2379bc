// node:net transport, outbound backpressure: a client that sends without ever
// reading fills the host's outbound limit, send() then answers EAGAIN, the
// echo loop stops reading, and inbound backpressure holds the rest back. The
// bytes held in the host stay bounded, and another client is served meanwhile.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { until } from './helpers/clients.js';
import { connect, echoOnce, sleep } from './helpers/echo-client.js';
import { startTransportEcho } from './helpers/transport-echo.js';

test('a client that never reads does not grow the host, and others are served', async () => {
  const limits = { inbound: 128 * 1024, outbound: 128 * 1024 };
  const echo = await startTransportEcho('echo', limits);
  const hog = await connect(echo.port);
  hog.pause();
  try {
    const chunk = Buffer.alloc(64 * 1024, 1);
    for (let i = 0; i < 512; i++) hog.write(chunk); // 32 MiB, ignoring 'drain'
    await until(() => echo.control.stats().bytesIn > 1024 * 1024, 5000, 'the echo to get going');
    await sleep(500);
    const first = echo.control.stats();
    await sleep(500);
    const second = echo.control.stats();
    assert.ok(second.bytesIn - first.bytesIn < 256 * 1024, `still reading from the hog: ${first.bytesIn} → ${second.bytesIn}`);
    // In the host: main's inbound queue, the loop's own buffer (256 KiB), the unflushed outbound.
    const held = second.bytesIn - second.bytesOut;
    assert.ok(held <= limits.inbound + limits.outbound + 256 * 1024 + 128 * 1024, `host holds ${held} bytes`);

    const data = randomBytes(200 * 1024);
    const back = await echoOnce(echo.port, data);
    assert.ok(back.equals(data), 'the other client was not echoed exactly');
  } finally {
    hog.destroy();
    await echo.stop();
  }
});

test.run();
