// In each browser: the select core refuses connections past FD_SETSIZE (it
// accepts and closes them: the client reads EOF at once) and keeps serving
// the ones it holds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserTest, openPage } from './helpers/browser.js';

type Api = typeof import('../ts/browser/index.js');
const CLIENTS = 1100;
const FD_SETSIZE = 1024;

browserTest('select refuses past its cap and keeps serving the rest', async (browser) => {
  const opened = await openPage(browser, '/');
  try {
    const r = await opened.page.evaluate(
      async ({ url, clients }) => {
        const api = (await import(url)) as Api;
        const server = await api.serve({ backend: 'select', stderr: () => {} });
        const sockets: Awaited<ReturnType<typeof server.connect>>[] = [];
        for (let i = 0; i < clients; i++) sockets.push(await server.connect());
        const echo = async (socket: (typeof sockets)[number], text: string): Promise<boolean> => {
          const writer = socket.writable.getWriter();
          const reader = socket.readable.getReader();
          try {
            await writer.write(new TextEncoder().encode(text)).catch(() => {});
            let back = '';
            while (back.length < text.length) {
              const { value, done } = await reader.read();
              if (done) return false;
              back += new TextDecoder().decode(value);
            }
            return back === text;
          } catch {
            return false;
          } finally {
            writer.releaseLock();
            reader.releaseLock();
          }
        };
        const served = await Promise.all(sockets.map((s, i) => echo(s, `hello ${i}`)));
        const kept = sockets.filter((_, i) => served[i]);
        const again = await Promise.all(kept.slice(0, 50).map((s, i) => echo(s, `again ${i}`)));
        for (const s of sockets) s.close();
        const stats = server.stats();
        await server.close();
        return { served: kept.length, again: again.filter(Boolean).length, accepted: stats.accepted };
      },
      { url: opened.api, clients: CLIENTS },
    );
    assert.ok(r.served >= FD_SETSIZE - 30 && r.served <= FD_SETSIZE, `${r.served} of ${CLIENTS} served`);
    assert.is(r.again, 50, 'the connections it holds still echo after the refusals');
    assert.is(r.accepted, CLIENTS, 'the refused ones were accepted, then closed');
    assert.equal(await opened.page.errors(), []);
  } finally {
    await opened.close();
  }
});

test.run();
