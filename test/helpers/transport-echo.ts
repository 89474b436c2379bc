// Starts transport-echo-worker.ts on a transport's module half, its owner half
// listening on an ephemeral port of 127.0.0.1.

import { Worker } from 'node:worker_threads';
import { ControlBlock } from '../../ts/transport/control-block.js';
import { openOwner, type TransportName } from '../../ts/transport/kinds.js';
import type { TransportLimits, TransportOwner } from '../../ts/transport/types.js';
import type { EchoWorkerData, EchoWorkerResult } from './transport-echo-worker.js';
import { withTimeout } from './echo-client.js';

export interface TransportEcho {
  port: number;
  owner: TransportOwner;
  /** What the echo loop counted, as the host would. */
  control: ControlBlock;
  /** Asks the loop to stop; resolves with what it counted once every handle is gone. */
  stop(): Promise<EchoWorkerResult>;
}

export async function startTransportEcho(
  mode: EchoWorkerData['mode'],
  limits: TransportLimits = {},
  transport: TransportName = 'node-net',
): Promise<TransportEcho> {
  const control = new ControlBlock();
  const owner = await openOwner(transport, { listen: [{ host: '127.0.0.1', port: 0 }], control, limits });
  const { init, transfer } = owner.moduleInit();
  const data: EchoWorkerData = { init, control: control.buffer, mode };
  const worker = new Worker(new URL('./transport-echo-worker.js', import.meta.url), { workerData: data, transferList: transfer as never[] });
  const result = new Promise<EchoWorkerResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`echo worker exited with ${code} before reporting`)));
  });
  return {
    port: owner.addresses[0]!.port,
    owner,
    control,
    async stop() {
      control.requestStop();
      owner.wake();
      try {
        const counted = await withTimeout('the echo worker to stop', 5000, result);
        await withTimeout('the worker to end the transport', 5000, owner.ended);
        return counted;
      } finally {
        await worker.terminate();
        await owner.close(0);
      }
    },
  };
}
