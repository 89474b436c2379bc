// Transport contract, a dialled connection reset by the server: the module
// sees FAILED and PEER_CLOSED, recv reports ECONNRESET once, then EOF; a
// connection it closes with unread input is reset, as an accepted one is.
// Run over every transport kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_CONNRESET } from '../ts/wasi/defs.js';
import { FAILED, PEER_CLOSED } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import { dialAndSettle, result, settle, settleReadable, text } from './helpers/transport-contract/steps.js';

contract(
  'the server resets a dialled connection: FAILED, ECONNRESET once, then EOF',
  async (rig) => {
    const m = rig.module;
    const server = await rig.serve();
    const { handle } = await dialAndSettle(m, server.address);
    const peer = await server.accepted();
    peer.reset();
    await settle(m, 'the reset', async () => ((await m.poll(handle)) & (FAILED | PEER_CLOSED)) === (FAILED | PEER_CLOSED));
    assert.is(result((await m.recvBytes(handle)).n), result(-ERRNO_CONNRESET));
    assert.is((await m.recvBytes(handle)).n, 0, 'EOF after the reset was reported');
  },
);

contract(
  'the module closes a dialled connection with input unread: the server sees a reset',
  async (rig) => {
    const m = rig.module;
    const server = await rig.serve();
    const { handle } = await dialAndSettle(m, server.address);
    const peer = await server.accepted();
    peer.write(text('unread'));
    await settleReadable(m, handle, 6);
    await m.close(handle);
    await m.wait(0);
    const { end } = await peer.readToEnd();
    assert.is(end, 'reset');
  },
);

test.run();
