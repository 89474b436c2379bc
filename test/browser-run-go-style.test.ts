// In each browser: run() hands its listeners over NONBLOCK by default, as on Node,
// so the Go-style fixture (c/test/go_style_server.c: it polls fd 3 only if
// fd_fdstat_get reports NONBLOCK, and a failing poll_oneoff is fatal) serves
// on the virtual network; aborting lets it answer its request in flight and
// exit 0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserTest, openPage } from './helpers/browser.js';

type Api = typeof import('../ts/browser/index.js');

browserTest('the Go-style fixture serves under run() by default, and an abort lets it finish its request in flight, exit 0', async (browser) => {
  const opened = await openPage(browser, '/');
  try {
    const r = await opened.page.evaluate(
      async ({ url, module }) => {
        const api = (await import(url)) as Api;
        const controller = new AbortController();
        const encoder = new TextEncoder();
        const decoder = new TextDecoder();
        let stderr = '';
        const answers: string[] = [];
        let client: Promise<void> = Promise.resolve();
        const code = await api.run(module, {
          listen: ['127.0.0.1:8080'],
          stderr: (text) => (stderr += text),
          signal: controller.signal,
          onListening: ({ connect }) => {
            client = (async () => {
              const socket = await connect();
              const writer = socket.writable.getWriter();
              const reader = socket.readable.getReader();
              const readUntil = async (end: (text: string) => boolean) => {
                let text = '';
                while (!end(text)) {
                  const { value, done } = await reader.read();
                  if (done) break;
                  text += decoder.decode(value);
                }
                return text;
              };
              await writer.write(encoder.encode('first\n'));
              answers.push(await readUntil((text) => text.endsWith('\n')));
              await writer.write(encoder.encode('in flight\n'));
              while ((stderr.match(/: request\n/g) ?? []).length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
              controller.abort();
              answers.push(await readUntil(() => false));
            })();
          },
        });
        await client;
        return { code, stderr, answers };
      },
      { url: opened.api, module: opened.fixture('go_style_server') },
    );
    assert.equal(r.answers, ['done first\n', 'done in flight\n']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /draining 1 requests in flight\ndrained 1 requests in flight\n$/);
    assert.equal(await opened.page.errors(), []);
  } finally {
    await opened.close();
  }
});

test.run();
