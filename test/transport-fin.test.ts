// node:net transport, half-close: after the peer's FIN the module still reads
// every buffered byte, then recv() answers 0, and it can still send.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, readToEnd } from './helpers/echo-client.js';
import { startTransportEcho } from './helpers/transport-echo.js';

test('bytes sent before FIN are all echoed after it, then the server closes', async () => {
  const echo = await startTransportEcho('echo');
  try {
    const socket = await connect(echo.port);
    const reply = readToEnd(socket);
    socket.write('first ');
    socket.end('and last');
    assert.is((await reply).toString(), 'first and last');
    socket.destroy();
  } finally {
    await echo.stop();
  }
});

test.run();
