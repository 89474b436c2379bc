// Run under a JavaScript runtime, prints what it can do here as JSON (see
// Capabilities in js-runtimes.ts): its version, and for each WASI runtime and
// each transport null where it can work, else the reason the facade would give.
//
//   <js runtime> dist/test/helpers/js-runtime-probe.js

import { RUNTIMES, TRANSPORTS } from '../../ts/index.js';
import { jsRuntimeName } from '../../ts/js-runtime.js';
import { runtimeUnavailable } from '../../ts/runtime/availability.js';
import { transportUnavailable } from '../../ts/transport/kinds.js';

const runtimes = Object.fromEntries(RUNTIMES.map((name) => [name, runtimeUnavailable(name)]));
const transports = Object.fromEntries(await Promise.all(TRANSPORTS.map(async (name) => [name, await transportUnavailable(name)] as const)));
process.stdout.write(`${JSON.stringify({ version: jsRuntimeName(), runtimes, transports })}\n`);
