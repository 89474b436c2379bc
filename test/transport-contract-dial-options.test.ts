// Transport contract, socket options on the module's sockets: no-delay,
// keep-alive and reuse-addr read back as set; buffer sizes read back at
// least as large as asked (the kernel may round them up). Run over every
// transport kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contract } from './helpers/transport-contract/contract.js';
import { dialAndSettle, result } from './helpers/transport-contract/steps.js';

contract(
  'options: flags read back as set, buffer sizes at least as asked, before and after connecting',
  async (rig) => {
    const m = rig.module;
    const server = await rig.serve();
    const fresh = await m.open(4);
    for (const option of ['no-delay', 'keep-alive', 'reuse-addr'] as const) {
      assert.is(await m.setOption(fresh, option, 1), 0, `set ${option}`);
      assert.is(await m.getOption(fresh, option), 1, `${option} after setting it`);
    }
    assert.is(await m.setOption(fresh, 'recv-buffer', 32 * 1024), 0);
    const recv = await m.getOption(fresh, 'recv-buffer');
    assert.ok(recv >= 32 * 1024, `recv-buffer ${result(recv)}`);

    const { handle } = await dialAndSettle(m, server.address);
    assert.is(await m.setOption(handle, 'no-delay', 1), 0);
    assert.is(await m.getOption(handle, 'no-delay'), 1);
    assert.is(await m.setOption(handle, 'no-delay', 0), 0);
    assert.is(await m.getOption(handle, 'no-delay'), 0);
    assert.is(await m.setOption(handle, 'send-buffer', 16 * 1024), 0);
    assert.ok((await m.getOption(handle, 'send-buffer')) >= 16 * 1024, 'send-buffer');
  },
);

test.run();
