// Which transport a serve() or run() gets: the one asked for, or an error
// saying why it cannot work here; otherwise the best one available, with one
// line on stderr when a better one was passed over.

import { TransportUnavailableError } from './errors.js';
import { oneOf } from './options.js';
import { defaultTransport, TRANSPORTS, transportUnavailable, type TransportName } from '../transport/kinds.js';

let fallbackNoted = false;

export async function chooseTransport(requested: unknown): Promise<TransportName> {
  if (requested !== undefined) {
    const name = oneOf('transport', requested, TRANSPORTS);
    const why = await transportUnavailable(name);
    if (why !== null) throw new TransportUnavailableError(name, why);
    return name;
  }
  const { name, passedOver } = await defaultTransport();
  if (passedOver !== null && !fallbackNoted) {
    // Once per process: every server of a process falls back for the same reason.
    fallbackNoted = true;
    process.stderr.write(`wasi-evloop: ${passedOver}; using ${name}\n`);
  }
  return name;
}
