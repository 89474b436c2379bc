// serve() on a port already taken rejects with AddressInUseError naming the
// address, and leaves nothing open.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from './helpers/clients.js';
import { AddressInUseError, ListenError, serve, TRANSPORTS, WasiEvloopError } from '../ts/index.js';

for (const transport of TRANSPORTS) {
test(`${transport}: a port in use is AddressInUseError with the address`, async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    const error = await serve({ port, transport }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.instance(error, AddressInUseError);
    assert.instance(error, ListenError);
    assert.instance(error, WasiEvloopError);
    const inUse = error as AddressInUseError;
    assert.equal(inUse.address, { host: '127.0.0.1', port });
    assert.match(inUse.message, `127.0.0.1:${port}`);
    assert.is((inUse.cause as NodeJS.ErrnoException).code, 'EADDRINUSE');
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
  // Closed handles leave the list on the next turns of the event loop.
  const open = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP') || r === 'MessagePort');
  await until(() => open().length === 0, 1000, `no handle left (open: ${open().join(', ')})`);
});
}

test.run();
