// In each browser: each backend, in its own Web Worker, echoes 1 MiB of random
// bytes exactly over the virtual network (serve() → connect() → Web Streams),
// and its stats count every byte.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserTest, openPage } from './helpers/browser.js';

type Api = typeof import('../ts/browser/index.js');

browserTest('select, poll and epoll each echo 1 MiB exactly', async (browser) => {
  const opened = await openPage(browser, '/');
  try {
    const results = await opened.page.evaluate(async (url) => {
      const api = (await import(url)) as Api;
      const one = async (backend: 'select' | 'poll' | 'epoll') => {
        const server = await api.serve({ backend, stderr: () => {} });
        const socket = await server.connect();
        const data = new Uint8Array(1 << 20);
        for (let at = 0; at < data.length; at += 65536) crypto.getRandomValues(data.subarray(at, at + 65536));
        const writer = socket.writable.getWriter();
        const writing = (async () => {
          for (let at = 0; at < data.length; at += 100_000) await writer.write(data.slice(at, at + 100_000));
          await writer.close();
        })();
        const reader = socket.readable.getReader();
        let got = 0;
        let same = true;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (let i = 0; i < value.length; i++) if (value[i] !== data[got + i]) same = false;
          got += value.length;
        }
        await writing;
        const stats = server.stats();
        await server.close();
        return { backend, got, same, bytesIn: stats.bytesIn, bytesOut: stats.bytesOut };
      };
      return Promise.all((['select', 'poll', 'epoll'] as const).map(one));
    }, opened.api);
    for (const r of results) {
      assert.is(r.got, 1 << 20, `${r.backend}: every byte came back`);
      assert.ok(r.same, `${r.backend}: the same bytes, in order`);
      assert.is(r.bytesIn, 1 << 20, `${r.backend}: bytes in`);
      assert.is(r.bytesOut, 1 << 20, `${r.backend}: bytes out`);
    }
    assert.equal(await opened.page.errors(), []);
  } finally {
    await opened.close();
  }
});

test.run();
