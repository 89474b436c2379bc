// run() with blockingAccept: a module written with blocking calls only
// (accept on the listener at fd 3, then read/write on the connection, as
// Rust's std::net does) serves its clients under both runtimes, in a worker
// or on the CLI's starting thread; args, env, stdout and the exit status pass
// through.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, echoOnce, readToEnd, withTimeout } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { moduleRunners } from './helpers/module-runners.js';

const wasm = fixtureWasm('blocking_echo');

for (const runner of moduleRunners()) {
  test(`${runner.name}: blocking accept + fd_read/fd_write echo, then exit with $EXIT_CODE`, async () => {
    const running = runner.start(wasm, { listen: true, blockingAccept: true, args: ['2'], env: { EXIT_CODE: '7' } });
    const address = await running.address;
    const big = randomBytes(256 * 1024);
    assert.ok((await echoOnce(address.port, big)).equals(big), '256 KiB echoed exactly');
    // Half-close: everything sent before FIN still comes back.
    const s = await connect(address.port);
    const back = readToEnd(s);
    s.write('half ');
    s.end('closed');
    assert.is((await back).toString(), 'half closed');
    s.destroy();
    assert.is(await withTimeout('the module to exit', 5000, running.exit), 7);
    assert.is(running.stdout(), 'served 2\n');
  });
}

test.run();
