// The benchmark's HTTP server stops as a tokio server does when its listener
// goes away (the host hangs it up; natively, SIGTERM): it takes no new
// connection, closes the ones it holds (each peer sees a clean EOF, never a
// reset) and exits 0 with its stats line, whether it was blocked in its wait
// (no connection open) or turning busily over idle keep-alive connections.
// A peer still owed answers gets every one the server counted, whole, before
// the EOF: closing a socket with unread input would reset it, and a reset
// destroys the answers still in flight. So the server waits for each peer to
// close its side, but not for ever: one that never does is closed after the
// server's linger (1 s), and the server still exits 0 — under wasm, before
// the host's grace (2 s) would end it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HELLO_REQUEST, HELLO_RESPONSE } from '../bench/http-hello.js';
import { connect, readExactly, readToEnd, sleep } from './helpers/echo-client.js';
import { HTTP_SERVER_KINDS, httpStats } from './helpers/http-mio.js';

/** Pipelined requests, far more than the socket buffers both ways hold: the server stops reading with some unread. */
const PIPELINED = 100_000;

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

  test(`${kind.name}: a peer that never closes its side after the stop is closed after the linger, and the server exits 0`, async () => {
    const server = await kind.start();
    const peer = await connect(server.port, 5000, { allowHalfOpen: true });
    peer.on('error', () => {});
    const answer = readExactly(peer, HELLO_RESPONSE.length);
    peer.write(HELLO_REQUEST);
    assert.is((await answer).toString(), HELLO_RESPONSE);
    const stopped = server.stop();
    assert.is((await readToEnd(peer)).length, 0, 'the FIN, after nothing more');
    // The peer keeps its side open: only the linger can end the connection.
    const { code, stderr } = await stopped;
    peer.destroy();
    assert.is(code, 0, stderr);
    assert.is(httpStats(stderr)?.closed, 1, stderr);
  });

  test(`${kind.name}: stopped while a pipelining peer has not read its answers, it sends every answer it counted, whole, then a clean EOF`, async () => {
    const server = await kind.start();
    const peer = await connect(server.port);
    peer.on('error', () => {});
    const first = readExactly(peer, HELLO_RESPONSE.length);
    peer.write(HELLO_REQUEST);
    assert.is((await first).toString(), HELLO_RESPONSE, 'accepted and served');
    // Nothing more is read until after the stop: the answers back up, and so do the requests.
    peer.pause();
    peer.write(HELLO_REQUEST.repeat(PIPELINED));
    await sleep(300);
    const stopped = server.stop();
    const rest = readToEnd(peer, 30_000);
    peer.resume();
    const answers = await rest;
    const { code, stderr } = await stopped;
    peer.destroy();
    assert.is(code, 0, stderr);
    const pipelinedAnswers = (httpStats(stderr)?.requests ?? 0) - 1;
    assert.ok(pipelinedAnswers > 0, stderr);
    assert.is(answers.length, pipelinedAnswers * HELLO_RESPONSE.length, `${answers.length} bytes for ${pipelinedAnswers} answers`);
    assert.ok(answers.equals(Buffer.from(HELLO_RESPONSE.repeat(pipelinedAnswers))), 'every answer whole');
  });
}

test.run();
