// The benchmark's HTTP server (c/http_mio.c) speaks HTTP/1.1 as a real
// program must, natively and as wasm on every runtime × transport: keep-alive,
// pipelining, Content-Length bodies split across writes, Connection: close,
// HTTP/1.0, Expect: 100-continue, a half-closing peer, and a clear error status
// (then close) for what is not a request it can serve, smuggling's ingredients
// (a length beside a transfer coding, two lengths, two hosts) included.
import type net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HELLO_REQUEST, HELLO_RESPONSE } from '../bench/http-hello.js';
import { connect, readExactly, readToEnd } from './helpers/echo-client.js';
import { HTTP_SERVER_KINDS, httpStats } from './helpers/http-mio.js';

const OK = Buffer.from(HELLO_RESPONSE);
const HEAD_OK = Buffer.from(HELLO_RESPONSE.slice(0, HELLO_RESPONSE.indexOf('\r\n\r\n') + 4));
const withHeader = (response: string, header: string): string => response.replace('\r\n\r\n', `\r\n${header}\r\n\r\n`);
const refused = (status: string): string => `HTTP/1.1 ${status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`;

async function ask(s: net.Socket, request: string, expected: string | Buffer): Promise<void> {
  const want = Buffer.from(expected);
  const got = readExactly(s, want.length);
  s.write(request);
  assert.is((await got).toString('latin1'), want.toString('latin1'));
}

/** Sends `request` on a fresh connection and reads until the server closes. */
async function untilClosed(port: number, request: string | Buffer, halfClose = false): Promise<string> {
  const s = await connect(port);
  const all = readToEnd(s);
  if (halfClose) s.end(request);
  else s.write(request);
  const text = (await all).toString('latin1');
  s.destroy();
  return text;
}

for (const kind of HTTP_SERVER_KINDS) {
  test(`${kind.name}: keep-alive, pipelining, bodies, close, HTTP/1.0, 100-continue and the error statuses`, async () => {
    const server = await kind.start();
    let answered = 0;
    await (async () => {
      const s = await connect(server.port);
      // Keep-alive: one connection, request after request.
      for (let i = 0; i < 3; i++) await ask(s, `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`, OK);
      // Pipelined: three requests in one write, answered in order; HEAD has no body.
      await ask(s, HELLO_REQUEST + 'POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' + 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n',
        Buffer.concat([OK, OK, HEAD_OK]));
      // A body split across writes, the next request right behind it.
      const got = readExactly(s, OK.length * 2);
      s.write('PUT /x HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n01234');
      await new Promise((r) => setTimeout(r, 50));
      s.write('56789' + HELLO_REQUEST);
      assert.is((await got).toString(), OK.toString() + OK.toString());
      // Expect: 100-continue gets the interim response before the body is sent.
      await ask(s, 'POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n', 'HTTP/1.1 100 Continue\r\n\r\n');
      await ask(s, 'abc', OK);
      answered += 3 + 3 + 2 + 1;
      // Connection: close is honoured: the response says so, then the server closes.
      const closing = readToEnd(s);
      s.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' + HELLO_REQUEST);
      assert.is((await closing).toString(), withHeader(HELLO_RESPONSE, 'connection: close'), 'nothing after the close');
      s.destroy();
      answered += 1;

      // HTTP/1.0 closes unless it asks for keep-alive, which the response confirms.
      assert.is(await untilClosed(server.port, 'GET / HTTP/1.0\r\n\r\n'), withHeader(HELLO_RESPONSE, 'connection: close'));
      const old = await connect(server.port);
      await ask(old, 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', withHeader(HELLO_RESPONSE, 'connection: keep-alive'));
      await ask(old, HELLO_REQUEST, OK);
      old.destroy();
      // A peer that half-closes after its request still gets the answer, then EOF.
      assert.is(await untilClosed(server.port, HELLO_REQUEST, true), HELLO_RESPONSE);
      answered += 4;

      // What is not a request it serves: a status saying why, then the connection closes.
      assert.is(await untilClosed(server.port, 'garbage\r\n\r\n'), refused('400 Bad Request'));
      assert.is(await untilClosed(server.port, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])), refused('400 Bad Request'), 'a TLS hello: at once');
      assert.is(await untilClosed(server.port, 'GET / HTTP/1.1\r\n\r\n'), refused('400 Bad Request'), 'HTTP/1.1 without Host');
      assert.is(await untilClosed(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n'), refused('400 Bad Request'));
      assert.is(await untilClosed(server.port, 'GET / HTTP/2.0\r\nHost: x\r\n\r\n'), refused('400 Bad Request'));
      assert.is(await untilClosed(server.port, 'GET / HTTP/1.1\r\nHost : x\r\n\r\n'), refused('400 Bad Request'), 'space before the colon');
      assert.is(await untilClosed(server.port, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'), refused('501 Not Implemented'));
      assert.is(await untilClosed(server.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`),
        refused('431 Request Header Fields Too Large'));
      // What request smuggling and host confusion are made of (RFC 9112 6.3, 3.2), and a head of too many fields.
      assert.is(await untilClosed(server.port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc'),
        refused('400 Bad Request'), 'a length and a transfer coding');
      assert.is(await untilClosed(server.port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'),
        refused('400 Bad Request'), 'two different lengths');
      assert.is(await untilClosed(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n'), refused('400 Bad Request'), 'two hosts');
      assert.is(await untilClosed(server.port, `GET / HTTP/1.1\r\nHost: x\r\n${'X: y\r\n'.repeat(100)}\r\n`),
        refused('431 Request Header Fields Too Large'), 'more than 100 fields');
      // A good request before the garbage on the same connection is still answered.
      assert.is(await untilClosed(server.port, HELLO_REQUEST + 'nonsense\r\n\r\n'), HELLO_RESPONSE + refused('400 Bad Request'));
      answered += 1;
    })().catch(async (error: unknown) => {
      await server.stop();
      throw error;
    });
    const { code, stderr } = await server.stop();
    assert.is(code, 0, stderr);
    const stats = httpStats(stderr);
    assert.ok(stats, `a stats line on stderr: ${stderr}`);
    assert.is(stats!.requests, answered, stderr);
    assert.is(stats!.bad_requests, 13, stderr);
  });
}

test.run();
