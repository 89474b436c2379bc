// The facade's choices through the API under one JavaScript runtime, one
// scenario per run, the outcome as one JSON line on stdout (errors by class
// name and fields, as a caller would see them):
//   ask-node   serve() and run() with runtime 'node'
//   default    serve() with nothing asked: what it chose
//
//   <js runtime> dist/test/helpers/api-choice-child.js ask-node

import { readFileSync } from 'node:fs';
import { ListenError, run, RuntimeUnavailableError, serve, TransportUnavailableError } from '../../ts/index.js';
import { REPO } from './servers.js';

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof RuntimeUnavailableError) return { error: error.name, runtime: error.runtime, reason: error.reason, message: error.message };
  if (error instanceof TransportUnavailableError) return { error: error.name, transport: error.transport, reason: error.reason, message: error.message };
  if (error instanceof ListenError) return { error: error.name, code: error.code, message: error.message };
  return { error: (error as Error)?.name ?? String(error), message: (error as Error)?.message };
}

const scenario = process.argv[2];
let outcome: Record<string, unknown>;
if (scenario === 'ask-node') {
  const module = readFileSync(`${REPO}wasm/echo-poll.wasm`);
  outcome = {
    serve: await serve({ runtime: 'node', port: 0 }).then(async (s) => (await s.close(), { served: true }), describe),
    run: await run(module, { runtime: 'node', tcplisten: ['127.0.0.1:0'] }).then((code) => ({ code }), describe),
  };
} else if (scenario === 'default') {
  outcome = await serve({ port: 0, stderr: 'ignore' }).then(async (s) => {
    const chosen = { runtime: s.runtime, transport: s.transport };
    await s.close();
    return chosen;
  }, describe);
} else {
  throw new Error(`unknown scenario ${JSON.stringify(scenario)}`);
}
process.stdout.write(`${JSON.stringify(outcome)}\n`);
process.exit(0);
