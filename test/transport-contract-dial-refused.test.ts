// Transport contract, a refused dial: -ECONNREFUSED at once, or -EINPROGRESS
// and then the refusal as the socket's pending error — READABLE, WRITABLE,
// PEER_CLOSED and FAILED, as Linux reports a refused connect — taken once
// by socketError() (SO_ERROR) or by the next recv; afterwards reads see EOF
// and sends EPIPE. Run over every transport kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_CONNREFUSED, ERRNO_PIPE } from '../ts/wasi/defs.js';
import { FAILED, PEER_CLOSED, READABLE, WRITABLE } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import { dialAndSettle, expectReadiness, result } from './helpers/transport-contract/steps.js';

contract(
  'a refused dial: ECONNREFUSED at once, or the pending error of a failed connection, reported once by SO_ERROR',
  async (rig) => {
    const m = rig.module;
    const { handle, dialed } = await dialAndSettle(m, await rig.refusing());
    if (dialed === -ERRNO_CONNREFUSED) return; // refused at once: the socket never connected
    await expectReadiness(m, handle, READABLE | WRITABLE | PEER_CLOSED | FAILED, 'after a refused connect');
    assert.is(result(-(await m.socketError(handle))), result(-ERRNO_CONNREFUSED), 'SO_ERROR');
    assert.is(await m.socketError(handle), 0, 'SO_ERROR again: consumed');
    assert.is((await m.recvBytes(handle)).n, 0, 'recv after the error was taken: EOF');
    assert.is(result(await m.send(handle, 'x')), result(-ERRNO_PIPE), 'send after the error was taken');
  },
);

contract(
  'a refused dial seen by recv: the refusal once, then EOF',
  async (rig) => {
    const m = rig.module;
    const { handle, dialed } = await dialAndSettle(m, await rig.refusing());
    if (dialed === -ERRNO_CONNREFUSED) return;
    assert.is(result((await m.recvBytes(handle)).n), result(-ERRNO_CONNREFUSED), 'the first recv');
    assert.is((await m.recvBytes(handle)).n, 0, 'the next recv');
    assert.is(await m.socketError(handle), 0, 'SO_ERROR after recv took the error');
  },
);

test.run();
