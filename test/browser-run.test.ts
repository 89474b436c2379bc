// In each browser: run() starts any preview1 module in a Web Worker — here the
// blocking-echo fixture (accept, then read/write on the connection; with
// blockingAccept) — with its listener on the virtual network; args, env,
// stdout and the exit code pass through.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserTest, openPage } from './helpers/browser.js';

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

test.run();
