// run() with blockingAccept: a module written with blocking calls only
// (accept on the listener at fd 3, then read/write on the connection, as
// Rust's std::net does) serves its clients under both runtimes; args, env,
// stdout and the exit status pass through.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RUNTIMES, TRANSPORTS } from '../ts/index.js';
import { connect, echoOnce, readToEnd, withTimeout } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { runListening } from './helpers/run-listening.js';

const wasm = fixtureWasm('blocking_echo');

for (const transport of TRANSPORTS) {
for (const runtime of RUNTIMES) {
  test(`${runtime} ${transport}: blocking accept + fd_read/fd_write echo, then exit with $EXIT_CODE`, async () => {
    let stdout = '';
    const { exit, address: bound } = runListening(wasm, {
      runtime,
      transport,
      blockingAccept: true,
      args: ['2'],
      env: { EXIT_CODE: '7' },
      stdout: (bytes) => (stdout += Buffer.from(bytes).toString()),
      stderr: 'ignore',
    });
    const address = await bound;
    const big = randomBytes(256 * 1024);
    assert.ok((await echoOnce(address.port, big)).equals(big), '256 KiB echoed exactly');
    // Half-close: everything sent before FIN still comes back.
    const s = await connect(address.port);
    const back = readToEnd(s);
    s.write('half ');
    s.end('closed');
    assert.is((await back).toString(), 'half closed');
    s.destroy();
    assert.is(await withTimeout('the module to exit', 5000, exit), 7);
    assert.is(stdout, 'served 2\n');
  });
}

}
test.run();
