// In each browser, the error classes the README names for the browser:
// ModuleExitError when the module of serve() ends before it serves (its exit
// status kept), and VirtualNetworkError, a class of its own, with `code`
// ECONNREFUSED (nothing listens), ECONNRESET (the server closed with input
// unread) and EPIPE (writing after this end closed the connection).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserTest, openPage } from './helpers/browser.js';
import { assemble, EXIT_1_WAT } from './helpers/wat.js';

type Api = typeof import('../ts/browser/index.js');

browserTest('serve({ module }) that exits with 1 before serving rejects with ModuleExitError', async (browser) => {
  const opened = await openPage(browser, '/');
  try {
    const r = await opened.page.evaluate(
      async ({ url, bytes }) => {
        const api = (await import(url)) as Api;
        const error = await api.serve({ module: new Uint8Array(bytes), stderr: () => {} }).then(
          async (server) => (await server.close(), null),
          (e: unknown) => e,
        );
        const e = error as InstanceType<typeof api.ModuleExitError> | null;
        return { typed: error instanceof api.ModuleExitError, base: error instanceof api.WasiEvloopError, exitCode: e?.exitCode, message: e?.message };
      },
      { url: opened.api, bytes: Array.from(await assemble(EXIT_1_WAT)) },
    );
    assert.ok(r.typed && r.base, `a ModuleExitError (a WasiEvloopError): ${r.message}`);
    assert.is(r.exitCode, 1);
    assert.match(r.message ?? '', /exited with status 1/);
  } finally {
    await opened.close();
  }
});

browserTest('VirtualNetworkError: ECONNREFUSED, ECONNRESET and EPIPE, each an instance of the class', async (browser) => {
  const opened = await openPage(browser, '/');
  try {
    const r = await opened.page.evaluate(async (url) => {
      const api = (await import(url)) as Api;
      const describe = (e: unknown) => ({ typed: e instanceof api.VirtualNetworkError, code: (e as { code?: string }).code, name: (e as Error).name });
      // One connection at most: the second is accepted and closed with its bytes unread (a reset).
      const server = await api.serve({ backend: 'epoll', maxConns: 1, stderr: () => {} });
      const held = await server.connect();
      const extra = await server.connect();
      const writer = extra.writable.getWriter();
      await writer.write(new TextEncoder().encode('unread')).catch(() => {});
      const reader = extra.readable.getReader();
      const reset = await reader.read().then(() => null, describe);
      // EPIPE: writing after this end closed the connection.
      const heldWriter = held.writable.getWriter();
      held.close();
      const pipe = await heldWriter.write(new TextEncoder().encode('after')).then(() => null, describe);
      await server.close();
      const refused = await server.connect().then(() => null, describe);
      return { refused, reset, pipe };
    }, opened.api);
    assert.equal(r.refused, { typed: true, code: 'ECONNREFUSED', name: 'VirtualNetworkError' }, 'connect() to a closed server');
    assert.equal(r.reset, { typed: true, code: 'ECONNRESET', name: 'VirtualNetworkError' }, 'reading a connection the server reset');
    assert.equal(r.pipe, { typed: true, code: 'EPIPE', name: 'VirtualNetworkError' }, 'writing after this end closed it');
  } finally {
    await opened.close();
  }
});

test.run();
