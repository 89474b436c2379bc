// Transport contract, a dial still under way: CONNECTING alone, nothing to
// read or write for poll_oneoff (pollSizes), recv and send answer EAGAIN and
// shutdown ENOTCONN; a stop request and wake() change
// nothing about it (what a stopping module sees is the host's business);
// closing it abandons the attempt, and nothing stays open. Run over every
// transport kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_AGAIN, ERRNO_INPROGRESS, ERRNO_NOTCONN } from '../ts/wasi/defs.js';
import { CONNECTING, SHUT_WR } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import { bits, expectReadiness, result } from './helpers/transport-contract/steps.js';

contract(
  'a dial under way: CONNECTING alone, EAGAIN for recv and send, ENOTCONN for shutdown, unchanged by a stop request',
  async (rig) => {
    const m = rig.module;
    const address = await rig.stalled();
    const handle = await m.open(4);
    assert.is(result(await m.dial(handle, address)), result(-ERRNO_INPROGRESS));
    await m.wait(50);
    await expectReadiness(m, handle, CONNECTING, 'while the connect is under way');
    const sizes = await m.pollSizes(handle);
    assert.equal([bits(sizes.bits), sizes.toRead, sizes.toWrite], [bits(CONNECTING), 0, 0], 'pollSizes() while the connect is under way');
    assert.is(result((await m.recvBytes(handle)).n), result(-ERRNO_AGAIN), 'recv while connecting');
    assert.is(result(await m.send(handle, 'x')), result(-ERRNO_AGAIN), 'send while connecting');
    assert.is(result(await m.shutdown(handle, SHUT_WR)), result(-ERRNO_NOTCONN), 'shutdown while connecting');
    assert.is(result(await m.peerAddress(handle) as number), result(-ERRNO_NOTCONN), 'peerAddress while connecting');

    rig.requestStop();
    const { elapsedMs } = await m.wait(10_000);
    assert.ok(elapsedMs < 10_000, 'wait() returned on the wake');
    await expectReadiness(m, handle, CONNECTING, 'after a stop request');
  },
);

contract(
  'closing a dial under way abandons it',
  async (rig) => {
    const m = rig.module;
    const address = await rig.stalled();
    const handle = await m.open(4);
    assert.is(result(await m.dial(handle, address)), result(-ERRNO_INPROGRESS));
    await m.close(handle);
    await m.wait(50);
    assert.is(await m.poll(handle), 0, 'a closed handle has no readiness');
    // A server that then takes the connection finds nothing from the module.
  },
);

test.run();
