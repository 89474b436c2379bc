// The worker that holds a module half for the contract suite: it opens the
// kind's module half from the owner's moduleInit() and then, like the host's
// module thread, never returns to its event loop: it sleeps on the call word
// and runs each call the test makes (worker-protocol.ts) until 'end'.

import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { ControlBlock } from '../../../ts/transport/control-block.js';
import { openModuleHalf } from '../../../ts/transport/kinds.js';
import type { Handle, SocketTransport } from '../../../ts/transport/types.js';
import { runCall } from './calls.js';
import { CALL_WORD, type NumberedAnswer, type NumberedCall, type Ready, type WorkerSetup } from './worker-protocol.js';

const setup = workerData as WorkerSetup;
const port = setup.port;
const callWord = new Int32Array(setup.calls);

function serve(transport: SocketTransport): void {
  const changed: Handle[] = [];
  transport.onChange = (handle) => changed.push(handle);
  const now = () => performance.now();
  let seen = 0;
  for (;;) {
    Atomics.wait(callWord, CALL_WORD, seen);
    seen = Atomics.load(callWord, CALL_WORD);
    for (let message = receiveMessageOnPort(port); message !== undefined; message = receiveMessageOnPort(port)) {
      const call = message.message as NumberedCall;
      const answer: NumberedAnswer = { id: call.id, ...runCall(transport, call, now, changed) };
      port.postMessage(answer);
      if (call.op === 'end') return;
    }
  }
}

let transport: SocketTransport | null = null;
try {
  transport = await openModuleHalf(setup.init, new ControlBlock(setup.control));
} catch (error) {
  port.postMessage({ ready: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Ready);
}
if (transport !== null) {
  port.postMessage({ ready: true, listeners: [...transport.listeners] } satisfies Ready);
  serve(transport);
}
port.close();
