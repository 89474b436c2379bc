// In Chromium: a listen address the virtual network cannot give is the same
// typed error as on Node: run() with two listeners on one address rejects with
// AddressInUseError naming it. (Each module has a network of its own, so two
// servers never compete for a port.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openPage } from './helpers/browser.js';
import { CHROMIUM, requirePrerequisite } from './helpers/prerequisites.js';
import { fixtureWasm } from './helpers/fixtures.js';

type Api = typeof import('../ts/browser/index.js');

const it = requirePrerequisite(test, CHROMIUM);

it('an address in use is AddressInUseError naming it, for run()', async () => {
  fixtureWasm('blocking_echo');
  const opened = await openPage('/');
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
      { url: new URL('/dist/browser/index.js', opened.server.url).href, module: new URL('/fixtures/blocking_echo.wasm', opened.server.url).href },
    );
    assert.ok(r, 'run() rejected');
    assert.ok(r!.isTyped, `an AddressInUseError, got ${r!.name}: ${r!.message}`);
    assert.equal(r!.address, { host: '127.0.0.1', port: 8080 });
    assert.is(r!.message, 'address 127.0.0.1:8080 is already in use');
    assert.equal(opened.errors, []);
  } finally {
    await opened.close();
  }
});

test.run();
