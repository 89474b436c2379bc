// What the end of a module, or a failure to start one, means to a caller of
// serve() and run(): an exit code, or the typed error that says why there is none.

import { AddressInUseError, ListenError, WasiEvloopError, type Address } from './errors.js';
import { launch, type Launched, type LaunchOptions } from './runtime/launch.js';

function listenError(error: unknown, addresses: readonly Address[]): WasiEvloopError {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  const address =
    addresses.find((a) => a.host === e.address && a.port === e.port) ??
    (e.address !== undefined && e.port !== undefined ? { host: e.address, port: e.port } : addresses[0]!);
  if (e.code === 'EADDRINUSE') return new AddressInUseError(address, { cause: error });
  return new ListenError(address, e.code, { cause: error });
}

/** launch(), with a failure to open a listener as a ListenError naming the address. */
export async function start(options: LaunchOptions): Promise<Launched> {
  try {
    return await launch(options);
  } catch (error) {
    // A system call failed while opening the listeners (listen, bind, getaddrinfo, ...).
    if (typeof (error as NodeJS.ErrnoException).syscall === 'string') throw listenError(error, options.listen);
    throw error;
  }
}

export { settle } from './settle.js';
