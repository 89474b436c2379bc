// Virtual network, the client's side of a connection the module closed: its
// next write fails with ECONNRESET (data for a closed socket is answered with
// an RST, as TCP does) and its streams end with that error. The contract
// suite checks what the module sees; this is what a VirtualSocket reports.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { letOwnerRun, readAll, virtualPair } from './helpers/virtual-network.js';

test('bytes written to a connection the module closed reset it', async () => {
  const { owner, module } = await virtualPair();
  const socket = await owner.connect();
  const conn = module.accept(module.listeners[0]!);
  module.close(conn);
  module.wait(0);
  await letOwnerRun();
  await socket.writable.getWriter().write(new Uint8Array(1)).then(
    () => assert.unreachable('the write must fail'),
    (error: { code?: string }) => assert.is(error.code, 'ECONNRESET'),
  );
  await readAll(socket).then(
    () => assert.unreachable('a reset connection does not end with EOF'),
    (error: { code?: string }) => assert.is(error.code, 'ECONNRESET'),
  );
  await owner.close(0);
});

test.run();
