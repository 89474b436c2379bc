// The exchange the benchmark's HTTP server (c/http_mio.c) and its clients
// agree on: hyper's hello world without a Date header, so that every byte of
// every response can be checked. The load generator is given HELLO_RESPONSE
// (--expect); the harness's first-contact probe and the tests use both.

export const HELLO_BODY = 'Hello, World!';
export const HELLO_RESPONSE = `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${HELLO_BODY.length}\r\n\r\n${HELLO_BODY}`;
export const HELLO_REQUEST = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
