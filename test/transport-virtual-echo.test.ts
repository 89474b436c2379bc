// Virtual network, over worker_threads: the module half in a worker (the
// JavaScript echo loop the host's contract uses), clients here. Every byte of
// 1 MiB comes back in order, on several connections at once, through rings
// far smaller than the data.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readExactly, startVirtualEcho } from './helpers/virtual-network.js';

test('1 MiB echoed exactly on each of 4 connections at once, through 16 KiB rings', async () => {
  const echo = await startVirtualEcho('echo', { inbound: 16 * 1024, outbound: 16 * 1024 });
  try {
    const runs = Array.from({ length: 4 }, async () => {
      const socket = await echo.owner.connect();
      const data = new Uint8Array(randomBytes(1 << 20));
      const writer = socket.writable.getWriter();
      const back = readExactly(socket, data.byteLength);
      for (let at = 0; at < data.byteLength; at += 100_000) await writer.write(data.subarray(at, at + 100_000));
      const got = await back;
      assert.ok(Buffer.from(got).equals(Buffer.from(data)), 'the same bytes, in order');
      socket.close();
    });
    await Promise.all(runs);
  } finally {
    const result = await echo.stop();
    assert.is(result.accepted, 4);
  }
  assert.is(echo.control.stats().bytesIn, 4 << 20);
  assert.is(echo.owner.connections, 0, 'every slot went back to the network');
});

test.run();
