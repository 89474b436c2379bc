// serve() with no options: the README's API defaults — `serve({ backend =
// 'epoll', runtime = 'node', transport, host = '127.0.0.1', port = 7007, … })`,
// the kernel transport (default on Linux) — and a Server with its documented
// members. It binds the default port: see helpers/default-port.ts.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serve } from '../ts/index.js';
import { echoOnce } from './helpers/echo-client.js';
import { requireFreePort } from './helpers/default-port.js';
import { KERNEL_ADDON, requirePrerequisite } from './helpers/prerequisites.js';

const it = requirePrerequisite(test, KERNEL_ADDON);

it("serve(): host = '127.0.0.1', port = 7007, backend = 'epoll', runtime = 'node', transport kernel (default on Linux)", async () => {
  await requireFreePort(7007);
  const server = await serve({ stderr: 'ignore' });
  try {
    assert.equal(server.address, { host: '127.0.0.1', port: 7007 });
    assert.is(server.backend, 'epoll');
    assert.is(server.runtime, 'node');
    assert.is(server.transport, 'kernel');
    const data = randomBytes(1000);
    assert.ok((await echoOnce(7007, data)).equals(data), 'it echoes on 127.0.0.1:7007');
  } finally {
    await server.close();
  }
  assert.is(await server.finished, 0, 'finished settles with the exit status once it ended');
});

test.run();
