// In each browser: a listen address the virtual network cannot give is the same
// typed error as on Node: run() with two listeners on one address rejects with
// AddressInUseError naming it. (Each module has a network of its own, so two
// servers never compete for a port.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserTest, openPage } from './helpers/browser.js';

type Api = typeof import('../ts/browser/index.js');

browserTest('an address in use is AddressInUseError naming it, for run()', async (browser) => {
  const opened = await openPage(browser, '/');
  try {
    const r = await opened.page.evaluate(
      async ({ url, module }) => {
        const api = (await import(url)) as Api;
        const describe = (e: unknown) => {
          const error = e as InstanceType<typeof api.AddressInUseError>;
          return { isTyped: e instanceof api.AddressInUseError, name: error.name, address: error.address, message: error.message };
        };
        const fromRun = await api.run(module, { listen: ['127.0.0.1:8080', '127.0.0.1:8080'], stdout: () => {}, stderr: () => {} }).then(
          () => null,
          describe,
        );
        return fromRun;
      },
      { url: opened.api, module: opened.fixture('blocking_echo') },
    );
    assert.ok(r, 'run() rejected');
    assert.ok(r!.isTyped, `an AddressInUseError, got ${r!.name}: ${r!.message}`);
    assert.equal(r!.address, { host: '127.0.0.1', port: 8080 });
    assert.is(r!.message, 'address 127.0.0.1:8080 is already in use');
    assert.equal(await opened.page.errors(), []);
  } finally {
    await opened.close();
  }
});

test.run();
