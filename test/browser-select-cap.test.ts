// In each browser: the select core refuses connections past FD_SETSIZE (it
// accepts and closes them: the client reads EOF at once) and keeps serving
// the ones it holds. A refusal is a close before any byte; wrong bytes or no
// answer fail.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserTest, openPage } from './helpers/browser.js';

type Api = typeof import('../ts/browser/index.js');
const CLIENTS = 1100;
/** README: "at FD_SETSIZE (1024)". */
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
        // Each answer classified: a refusal is an end or a reset before any byte; other bytes
        // ('wrong') or nothing within 10 s ('silent') are failures, never refusals.
        type Answer = 'echoed' | 'closed' | 'wrong' | 'silent';
        const echo = async (socket: (typeof sockets)[number], text: string): Promise<Answer> => {
          const writer = socket.writable.getWriter();
          const reader = socket.readable.getReader();
          let back = '';
          let timer: ReturnType<typeof setTimeout> | undefined;
          const timeout = new Promise<Answer>((resolve) => {
            timer = setTimeout(() => {
              resolve(back ? 'wrong' : 'silent');
              void reader.cancel().catch(() => {});
            }, 10_000);
          });
          const answer = (async (): Promise<Answer> => {
            try {
              await writer.write(new TextEncoder().encode(text)).catch(() => {});
              while (back.length < text.length) {
                const { value, done } = await reader.read();
                if (done) return back ? 'wrong' : 'closed';
                back += new TextDecoder().decode(value);
                if (!text.startsWith(back)) return 'wrong';
              }
              return 'echoed';
            } catch {
              return back ? 'wrong' : 'closed';
            }
          })();
          try {
            return await Promise.race([answer, timeout]);
          } finally {
            clearTimeout(timer);
            writer.releaseLock();
            reader.releaseLock();
          }
        };
        const count = (answers: Answer[]) => {
          const c: Record<Answer, number> = { echoed: 0, closed: 0, wrong: 0, silent: 0 };
          for (const a of answers) c[a]++;
          return c;
        };
        const answers = await Promise.all(sockets.map((s, i) => echo(s, `hello ${i}`)));
        const kept = sockets.filter((_, i) => answers[i] === 'echoed');
        const again = await Promise.all(kept.slice(0, 50).map((s, i) => echo(s, `again ${i}`)));
        for (const s of sockets) s.close();
        const stats = server.stats();
        await server.close();
        return { first: count(answers), again: count(again), accepted: stats.accepted };
      },
      { url: opened.api, clients: CLIENTS },
    );
    assert.equal({ wrong: r.first.wrong, silent: r.first.silent }, { wrong: 0, silent: 0 }, `wrong bytes or no answer: ${JSON.stringify(r.first)}`);
    assert.ok(r.first.echoed >= FD_SETSIZE - 30 && r.first.echoed <= FD_SETSIZE, `${r.first.echoed} of ${CLIENTS} served (${JSON.stringify(r.first)})`);
    assert.equal(r.again, { echoed: 50, closed: 0, wrong: 0, silent: 0 }, 'the connections it holds still echo after the refusals');
    assert.is(r.accepted, CLIENTS, 'the refused ones were accepted, then closed');
    assert.equal(await opened.page.errors(), []);
  } finally {
    await opened.close();
  }
});

test.run();
