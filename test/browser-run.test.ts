// In each browser: run() starts any preview1 module in a Web Worker — here the
// blocking-echo fixture (accept, then read/write on the connection; with
// blockingAccept) — with its listener on the virtual network; args, env,
// stdout and the exit code pass through. And the README's limits of the
// browser's run(): "`run()` has no directories and an empty stdin".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserTest, openPage } from './helpers/browser.js';
import { assemble } from './helpers/wat.js';

type Api = typeof import('../ts/browser/index.js');

browserTest('the blocking-echo fixture serves two connections under run() and exits with its code', async (browser) => {
  const opened = await openPage(browser, '/');
  try {
    const r = await opened.page.evaluate(
      async ({ url, module }) => {
        const api = (await import(url)) as Api;
        let stdout = '';
        const echoes: string[] = [];
        let clients: Promise<void> = Promise.resolve();
        const code = await api.run(module, {
          listen: ['127.0.0.1:8080'],
          blockingAccept: true,
          args: ['2'],
          env: { EXIT_CODE: '3' },
          stdout: (text) => (stdout += text),
          stderr: () => {},
          onListening: ({ connect }) => {
            clients = (async () => {
              for (const text of ['first connection', 'second one']) {
                const socket = await connect();
                const writer = socket.writable.getWriter();
                await writer.write(new TextEncoder().encode(text));
                await writer.close();
                let back = '';
                const reader = socket.readable.getReader();
                for (;;) {
                  const { value, done } = await reader.read();
                  if (done) break;
                  back += new TextDecoder().decode(value);
                }
                echoes.push(back);
              }
            })();
          },
        });
        await clients;
        return { code, stdout, echoes };
      },
      { url: opened.api, module: opened.fixture('blocking_echo') },
    );
    assert.equal(r.echoes, ['first connection', 'second one']);
    assert.is(r.stdout, 'served 2\n');
    assert.is(r.code, 3);
    assert.equal(await opened.page.errors(), []);
  } finally {
    await opened.close();
  }
});

/** Reads fd 0 and asks fd 3 (the first preopen there could be) for its prestat; exits with nread * 1000 + the read's errno * 100 + prestat's errno. */
const STDIN_AND_PRESTAT_WAT = `(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $readErrno i32)
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 16))
    (local.set $readErrno (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 32)))
    (call $exit (i32.add (i32.add (i32.mul (i32.load (i32.const 32)) (i32.const 1000)) (i32.mul (local.get $readErrno) (i32.const 100)))
      (call $prestat (i32.const 3) (i32.const 40))))))`;

browserTest('run() has no directories and an empty stdin: fd_read(0) reads 0 bytes, fd 3 is no preopen (EBADF)', async (browser) => {
  const opened = await openPage(browser, '/');
  try {
    const code = await opened.page.evaluate(
      async ({ url, bytes }) => {
        const api = (await import(url)) as Api;
        return api.run(new Uint8Array(bytes), { stdout: () => {}, stderr: () => {} });
      },
      { url: opened.api, bytes: Array.from(await assemble(STDIN_AND_PRESTAT_WAT)) },
    );
    assert.is(Math.floor(code / 1000), 0, 'bytes read from stdin');
    assert.is(Math.floor(code / 100) % 10, 0, 'fd_read(0) errno');
    assert.is(code % 100, 8, 'fd_prestat_get(3) errno: EBADF (8), no directory');
    assert.equal(await opened.page.errors(), []);
  } finally {
    await opened.close();
  }
});


test.run();
