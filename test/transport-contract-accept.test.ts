// Transport contract, accept: a pending connection is accepted; with none,
// accept answers -EAGAIN; the listener is READABLE only while one is pending.
// Run over every transport kind (helpers/transport-contract/kinds.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_AGAIN } from '../ts/wasi/defs.js';
import { READABLE, WRITABLE } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import { acceptOne, expectReadiness, result, settle, settleReadable, str } from './helpers/transport-contract/steps.js';

contract('accept takes pending connections one by one, EAGAIN with none, READABLE only while one waits', async (rig) => {
  const m = rig.module;
  const l = m.listener;
  await expectReadiness(m, l, 0, 'of a listener with nothing pending');
  assert.is(await m.readable(l), 0, 'readable() of a listener with nothing pending');
  assert.is(result(await m.accept(l)), result(-ERRNO_AGAIN), 'accept with nothing pending');

  const first = await rig.connect();
  const second = await rig.connect();
  const a = await acceptOne(m);
  const b = await acceptOne(m);
  assert.ok(a !== b && a !== l && b !== l, `accept gave handles ${a} and ${b} (listener ${l})`);
  assert.is(result(await m.accept(l)), result(-ERRNO_AGAIN), 'accept after both were taken');
  await expectReadiness(m, l, 0, 'of a listener after its connections were accepted');
  assert.is(await m.readable(l), 0, 'readable() of a listener after its connections were accepted');

  for (const conn of [a, b]) {
    await expectReadiness(m, conn, WRITABLE, 'of a fresh connection');
    assert.is(await m.readable(conn), 0, 'readable() of a fresh connection');
    assert.ok(((await m.pollSizes(conn)).toWrite) > 0, 'pollSizes().toWrite of a fresh connection is 0');
  }

  // The handles are the two connections, one each.
  first.write('1');
  second.write('2');
  await settleReadable(m, a, 1);
  await settleReadable(m, b, 1);
  const got = [str((await m.recvBytes(a)).bytes), str((await m.recvBytes(b)).bytes)].sort();
  assert.equal(got, ['1', '2'], 'bytes of the two peers on the two accepted handles');

  // READABLE again while a third waits, with readable() counting it.
  await rig.connect();
  await settle(m, 'the third connection pending', async () => ((await m.poll(l)) & READABLE) !== 0);
  await expectReadiness(m, l, READABLE, 'of a listener with a connection pending');
  assert.ok((await m.readable(l)) >= 1, 'readable() of a listener with a connection pending');
});

test.run();
