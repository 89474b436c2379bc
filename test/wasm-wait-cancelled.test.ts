// A host cancels a wait (poll_oneoff / epoll_wait answer ECANCELED) when its
// owner asks the module to stop; it may do so before the listeners' hangup is
// reported. The core must take that as a clean stop, in every backend: close
// every connection and listener, print its stats line and exit 0, never
// "<backend> failed: Operation canceled" with exit 1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, parseStats, REPO } from './helpers/servers.js';
import { runStub } from './helpers/stub-host.js';

for (const b of BACKENDS) {
  test(`echo-${b}.wasm: a cancelled wait stops it cleanly, closing every fd, exit 0`, () => {
    const r = runStub(`${REPO}wasm/echo-${b}.wasm`, { pending: 1, waits: ['ready', 'cancel'] });
    assert.is(r.trap, undefined);
    assert.is(r.waits, 2, `it waited once for the connection, then was cancelled: ${r.stderr}`);
    assert.is(r.exit, 0, `exit status; stderr: ${r.stderr}`);
    assert.not.match(r.stderr, /failed/);
    assert.match(r.stderr, /wait cancelled by the host; stopping/);
    assert.is(r.accepted.length, 1, 'the one waiting connection was accepted');
    const [conn] = r.accepted;
    assert.ok(r.closed.includes(conn!), `the connection fd ${conn} was closed: ${r.closed}`);
    assert.ok(r.closed.includes(3), `the listener was closed: ${r.closed}`);
    assert.equal(parseStats(r.stderr), { accepted: 1, refused: 0, closed: 1, bytes_in: 0, bytes_out: 0, dropped: 0 });
  });
}

test.run();
