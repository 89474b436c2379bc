// The virtual network's two halves in the test's own thread, for the tests of
// what is the virtual kind's own (slots, refusals, its sockets' errors): the
// module half is driven call by call, clients are VirtualSockets, and every
// read is bounded in time. The behaviour every kind shares is checked by the
// contract suite (helpers/transport-contract/), with the module half in a worker.

import { ControlBlock } from '../../ts/transport/control-block.js';
import type { TransportLimits } from '../../ts/transport/types.js';
import { VirtualModuleHalf } from '../../ts/transport/virtual/module.js';
import { VirtualOwner, type VirtualSocket } from '../../ts/transport/virtual/owner.js';
import type { VirtualModuleInit } from '../../ts/transport/virtual/layout.js';
import { sleep, withTimeout } from './echo-client.js';
import { Received } from './transport-contract/received.js';

/** Both halves in this thread: the module half is called directly (never wait() without a timeout). */
export async function virtualPair(limits: TransportLimits = {}, connections?: number): Promise<{ owner: VirtualOwner; module: VirtualModuleHalf; control: ControlBlock }> {
  const control = new ControlBlock();
  const owner = await VirtualOwner.open({ listen: [{ host: '127.0.0.1', port: 0 }], control, limits, connections });
  const module = new VirtualModuleHalf(owner.moduleInit().init as VirtualModuleInit);
  return { owner, module, control };
}

/**
 * Lets the owner's microtasks and its waitAsync loop run, for a call whose
 * effect the module half cannot wait on here (waiting would block the owner).
 */
export function letOwnerRun(): Promise<unknown> {
  return sleep(5);
}

/** Reads until EOF; rejects with the stream's error (code ECONNRESET, ...). */
export function readAll(socket: VirtualSocket, ms = 10_000): Promise<Uint8Array> {
  return withTimeout('read to EOF', ms, (async () => {
    const received = new Received();
    const reader = socket.readable.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      received.push(value);
    }
    return received.take(received.length);
  })());
}
