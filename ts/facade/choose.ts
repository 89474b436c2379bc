// Which transport and which WASI runtime a serve() or run() gets: the one
// asked for, or a typed error saying why it cannot work here and what to do;
// otherwise the best one available, with one line on stderr when a better
// one was passed over.

import { RuntimeUnavailableError, TransportUnavailableError } from './errors.js';
import { oneOf } from './options.js';
import { defaultRuntime, runtimeUnavailable } from '../runtime/availability.js';
import { RUNTIMES, type RuntimeName } from '../runtime/types.js';
import { defaultTransport, TRANSPORTS, transportUnavailable, type TransportName } from '../transport/kinds.js';

interface Choice<T extends string> {
  what: 'transport' | 'runtime';
  names: readonly T[];
  unavailable(name: T): Promise<string | null> | string | null;
  preferred(): Promise<{ name: T; passedOver: string | null }> | { name: T; passedOver: string | null };
  error(name: T, why: string): Error;
}

/** Once per process and kind of choice: every start of a process falls back for the same reason. */
const fallbackNoted = new Set<string>();

async function choose<T extends string>(choice: Choice<T>, requested: unknown): Promise<T> {
  if (requested !== undefined) {
    const name = oneOf(choice.what, requested, choice.names);
    const why = await choice.unavailable(name);
    if (why !== null) throw choice.error(name, why);
    return name;
  }
  const { name, passedOver } = await choice.preferred();
  if (passedOver !== null && !fallbackNoted.has(choice.what)) {
    fallbackNoted.add(choice.what);
    process.stderr.write(`wasi-evloop: ${passedOver}; using ${name}\n`);
  }
  return name;
}

const TRANSPORT: Choice<TransportName> = {
  what: 'transport',
  names: TRANSPORTS,
  unavailable: transportUnavailable,
  preferred: defaultTransport,
  error: (name, why) => new TransportUnavailableError(name, why),
};

const RUNTIME: Choice<RuntimeName> = {
  what: 'runtime',
  names: RUNTIMES,
  unavailable: runtimeUnavailable,
  preferred: defaultRuntime,
  error: (name, why) => new RuntimeUnavailableError(name, why),
};

export function chooseTransport(requested: unknown): Promise<TransportName> {
  return choose(TRANSPORT, requested);
}

export function chooseRuntime(requested: unknown): Promise<RuntimeName> {
  return choose(RUNTIME, requested);
}
