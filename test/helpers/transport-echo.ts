// Starts transport-echo-worker.ts on a node:net transport listening on an
// ephemeral port of 127.0.0.1.

import { Worker } from 'node:worker_threads';
import { NodeNetMain } from '../../ts/transport/node-net-main.js';
import type { NodeNetLimits } from '../../ts/transport/node-net-protocol.js';
import type { EchoWorkerData, EchoWorkerResult } from './transport-echo-worker.js';
import { withTimeout } from './echo-client.js';

export interface TransportEcho {
  port: number;
  main: NodeNetMain;
  /** Asks the loop to stop; resolves with what it counted once every handle is gone. */
  stop(): Promise<EchoWorkerResult>;
}

export async function startTransportEcho(mode: EchoWorkerData['mode'], limits: Partial<NodeNetLimits> = {}): Promise<TransportEcho> {
  const main = await NodeNetMain.listen([{ host: '127.0.0.1', port: 0 }], limits);
  const { init, transferList } = main.workerInit();
  const data: EchoWorkerData = { init, mode };
  const worker = new Worker(new URL('./transport-echo-worker.js', import.meta.url), { workerData: data, transferList });
  const result = new Promise<EchoWorkerResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`echo worker exited with ${code} before reporting`)));
  });
  return {
    port: main.addresses[0]!.port,
    main,
    async stop() {
      main.stop();
      try {
        const counted = await withTimeout('the echo worker to stop', 5000, result);
        await withTimeout('the worker to end the transport', 5000, main.ended);
        return counted;
      } finally {
        await worker.terminate();
        await main.close();
      }
    },
  };
}
