// Transport contract, half-close from the dialling side: after the module's
// shutdown(SHUT_WR) the server reads the bytes, then EOF, and can still
// answer; the module reads the answer, then EOF at the server's FIN. Run
// over every transport kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_PIPE } from '../ts/wasi/defs.js';
import { SHUT_WR } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import { dialAndSettle, result, settle, settleReadable, str, text } from './helpers/transport-contract/steps.js';

contract(
  'half-close from the dialling side: the server reads the bytes then EOF, and its answer still arrives',
  async (rig) => {
    const m = rig.module;
    const server = await rig.serve();
    const { handle } = await dialAndSettle(m, server.address);
    const peer = await server.accepted();
    assert.is(await m.send(handle, 'request'), 7);
    assert.is(await m.shutdown(handle, SHUT_WR), 0);
    assert.is(result(await m.send(handle, 'more')), result(-ERRNO_PIPE), 'send after SHUT_WR');
    await m.wait(0);
    const { bytes, end } = await peer.readToEnd();
    assert.equal([str(bytes), end], ['request', 'eof'], 'what the server read, and how it ended');
    peer.write(text('response'));
    peer.end();
    await settleReadable(m, handle, 8);
    assert.is(str((await m.recvBytes(handle)).bytes), 'response');
    await settle(m, 'EOF from the server', async () => (await m.recvBytes(handle)).n === 0);
  },
);

test.run();
