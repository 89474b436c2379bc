// The facade's errors: one base class, one subclass per kind, the underlying
// error kept as `cause`.

import { formatAddress } from '../transport/address.js';

export { formatAddress };

export interface Address {
  host: string;
  port: number;
}

export class WasiEvloopError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad options or arguments: the caller can fix them. */
export class UsageError extends WasiEvloopError {}

/** A listening socket could not be opened. */
export class ListenError extends WasiEvloopError {
  constructor(
    readonly address: Address,
    /** Node's error code (EACCES, EADDRNOTAVAIL, ...). */
    readonly code: string | undefined,
    /** `reason`: why, and what to do, where the code alone does not say (a sandbox's refusal). */
    options?: { cause?: unknown; reason?: string },
  ) {
    super(`cannot listen on ${formatAddress(address)}: ${options?.reason ?? code ?? 'unknown error'}`, options);
  }
}

export class AddressInUseError extends ListenError {
  constructor(address: Address, options?: { cause?: unknown }) {
    super(address, 'EADDRINUSE', options);
    this.message = `address ${formatAddress(address)} is already in use`;
  }
}

/** The module could not be read, compiled or started (a missing import, no _start, ...). */
export class ModuleLoadError extends WasiEvloopError {
  constructor(
    readonly moduleName: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot start ${moduleName}: ${reason}`, options);
  }
}

/** The module trapped (unreachable, out-of-bounds access, stack overflow, ...); the host is unharmed. */
export class ModuleTrapError extends WasiEvloopError {
  constructor(
    readonly moduleName: string,
    readonly trap: string,
    options?: { cause?: unknown },
  ) {
    super(`${moduleName} trapped: ${trap}`, options);
  }
}

/** The module ended on its own when it was expected to keep running (a server before it listened). */
export class ModuleExitError extends WasiEvloopError {
  constructor(
    readonly moduleName: string,
    readonly exitCode: number,
    detail?: string,
  ) {
    super(`${moduleName} exited with status ${exitCode}${detail ? `: ${detail}` : ''}`);
  }
}

/** The transport asked for cannot work here: `reason` says why and what to do. */
export class TransportUnavailableError extends WasiEvloopError {
  constructor(
    readonly transport: string,
    readonly reason: string,
  ) {
    super(`the ${transport} transport is unavailable: ${reason}`);
  }
}

/** The WASI runtime asked for cannot work in this JavaScript runtime: `reason` says why and what to do. */
export class RuntimeUnavailableError extends WasiEvloopError {
  constructor(
    readonly runtime: string,
    readonly reason: string,
  ) {
    super(`the ${runtime} runtime is unavailable: ${reason}`);
  }
}

/** Asked to stop, the module did not end by itself, and the host ended it. */
export class ModuleStoppedError extends WasiEvloopError {
  constructor(
    readonly moduleName: string,
    readonly reason: string,
  ) {
    super(`${moduleName} did not end when asked to stop; ${reason}`);
  }
}
