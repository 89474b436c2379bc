// Transport contract, stop: what a stopping module sees is the host's choice
// (ts/host/waiting.ts), so a transport changes no readiness on a stop
// request and the owner's wake(): listener and connections read the same
// before and after, and their calls work as before. Run over every kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { READABLE } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import type { ModuleHalf } from './helpers/transport-contract/module-half.js';
import { connectAccepted, settle, settleReadable, str } from './helpers/transport-contract/steps.js';

async function snapshot(m: ModuleHalf, handles: Record<string, number>): Promise<Record<string, number[]>> {
  const seen: Record<string, number[]> = {};
  for (const [name, handle] of Object.entries(handles)) {
    const { bits, toRead, toWrite } = await m.pollSizes(handle);
    seen[name] = [bits, await m.readable(handle), toRead, toWrite];
  }
  return seen;
}

contract('a stop request and wake() change no readiness', async (rig) => {
  const m = rig.module;
  const l = m.listener;
  const busy = await connectAccepted(rig);
  const idle = await connectAccepted(rig);
  busy.peer.write('kept');
  await settleReadable(m, busy.conn, 4);
  await rig.connect();
  await settle(m, 'a connection pending', async () => ((await m.poll(l)) & READABLE) !== 0);
  await m.wait(0);

  const handles = { listener: l, 'connection with bytes': busy.conn, 'idle connection': idle.conn };
  const before = await snapshot(m, handles);
  rig.requestStop();
  const { elapsedMs } = await m.wait(10_000);
  assert.ok(elapsedMs < 10_000, 'wait() did not return on the wake');
  assert.equal(await snapshot(m, handles), before, '[poll, readable, pollSizes] before and after the stop request');

  assert.is(str((await m.recvBytes(busy.conn)).bytes), 'kept', 'recv after the stop request');
  assert.ok((await m.accept(l)) >= 0, 'accept after the stop request');
});

test.run();
