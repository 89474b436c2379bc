// The benchmark's HTTP server stops as a tokio server does when its listener
// goes away (the host hangs it up; natively, SIGTERM): it takes no new
// connection, closes the ones it holds (each peer sees a clean EOF, never a
// reset) and exits 0 with its stats line, whether it was blocked in its wait
// (no connection open) or turning busily over idle keep-alive connections.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HELLO_REQUEST, HELLO_RESPONSE } from '../bench/http-hello.js';
import { connect, readExactly, readToEnd } from './helpers/echo-client.js';
import { HTTP_SERVER_KINDS, httpStats } from './helpers/http-mio.js';

for (const kind of HTTP_SERVER_KINDS) {
  test(`${kind.name}: stopped while blocked in its wait, it exits 0`, async () => {
    const server = await kind.start();
    const s = await connect(server.port);
    s.end(HELLO_REQUEST);
    assert.is((await readToEnd(s)).toString(), HELLO_RESPONSE);
    s.destroy();
    // Let it see the close and go back to a wait with only the listener in it.
    await new Promise((r) => setTimeout(r, 100));
    const { code, stderr } = await server.stop();
    assert.is(code, 0, stderr);
    assert.is(httpStats(stderr)?.requests, 1, stderr);
  });

  test(`${kind.name}: stopped with idle keep-alive connections open, it closes them cleanly and exits 0`, async () => {
    const server = await kind.start();
    const idle = await Promise.all([1, 2, 3].map(() => connect(server.port)));
    for (const s of idle) {
      const answer = readExactly(s, HELLO_RESPONSE.length);
      s.write(HELLO_REQUEST);
      assert.is((await answer).toString(), HELLO_RESPONSE);
    }
    const ends = idle.map((s) => readToEnd(s));
    const { code, stderr } = await server.stop();
    assert.is(code, 0, stderr);
    // A clean FIN on each: readToEnd rejects on a reset.
    for (const end of ends) assert.is((await end).length, 0);
    const stats = httpStats(stderr);
    assert.is(stats?.accepted, 3, stderr);
    assert.is(stats?.closed, 3, stderr);
    for (const s of idle) s.destroy();
  });
}

test.run();
