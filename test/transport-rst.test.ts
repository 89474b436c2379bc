// node:net transport, RST: a connection reset mid-stream is reported to the
// module as ECONNRESET on that connection only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from './helpers/clients.js';
import { connect, echoOnce, roundTrip } from './helpers/echo-client.js';
import { startTransportEcho } from './helpers/transport-echo.js';
import { thenStop } from './helpers/then-stop.js';

test('RST gives ECONNRESET to the module, other connections go on', async () => {
  const echo = await startTransportEcho('echo');
  const result = await thenStop(async () => {
    const victim = await connect(echo.port);
    await roundTrip(victim, Buffer.from('before the reset'));
    victim.write(Buffer.alloc(1000, 1));
    // Reset only once the bytes are out: with a write still queued Node sends FIN instead.
    await until(() => echo.control.stats().bytesIn >= 1016, 5000, 'the bytes before the reset');
    victim.resetAndDestroy();
    await until(() => echo.control.stats().closed === 1, 5000, 'the module to close the reset connection');
    const back = await echoOnce(echo.port, Buffer.from('still here'));
    assert.is(back.toString(), 'still here');
  }, () => echo.stop());
  assert.is(result.resets, 1);
});

test.run();
