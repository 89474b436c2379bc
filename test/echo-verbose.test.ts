// `--verbose` (`verbose: true`) "logs each connection": on stderr, a line when
// it is accepted, for what it received and sent, and when it closed — on
// every server kind (native, and the wasm core behind the facade and the CLI).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { echoOnce } from './helpers/echo-client.js';
import { allKinds } from './helpers/kinds.js';
import { thenStop } from './helpers/then-stop.js';

for (const kind of allKinds().filter((k) => k.backend === 'epoll' || k.native)) {
  test(`${kind.name} --verbose: new connection, received, sent, closed`, async () => {
    const server = await kind.start({ verbose: true });
    await thenStop(async () => {
      assert.is((await echoOnce(server.port, Buffer.from('hello'))).toString(), 'hello');
    }, () => server.stop());
    const log = server.stderr();
    const fd = /new connection fd=(\d+)/.exec(log)?.[1];
    assert.ok(fd !== undefined, `no "new connection" line in:\n${log}`);
    for (const line of [`fd=${fd}: received 5 bytes`, `fd=${fd}: sent 5 bytes`, `connection fd=${fd} closed (peer closed)`]) {
      assert.ok(log.includes(line), `no "${line}" in:\n${log}`);
    }
  });
}

test('without --verbose: no connection lines', async () => {
  const [kind] = allKinds().filter((k) => !k.native && !k.process);
  const server = await kind!.start({});
  await thenStop(async () => {
    await echoOnce(server.port, Buffer.from('hello'));
  }, () => server.stop());
  assert.not.match(server.stderr(), /connection fd=/);
});

test.run();
