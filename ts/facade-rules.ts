// What serve() and run() mean the same way on Node (ts/index.ts) and in a
// browser (ts/browser/index.ts): the defaults, how long a stop and a linger
// take, the echo core's command line built from serve()'s options (checked),
// and what it means when the core ends before it runs. No Node imports.

import { ModuleExitError, UsageError } from './errors.js';
import { hostName, oneOf, wholeNumber } from './options.js';

export const BACKENDS = ['select', 'poll', 'epoll'] as const;
export type Backend = (typeof BACKENDS)[number];

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7007;

/** How long close() (or an aborted run) lets the module end by itself before terminating its worker. */
export const STOP_GRACE_MS = 2000;
/** How long sockets a module left open may flush after it ended. */
export const SERVE_LINGER_MS = 1000;
export const RUN_LINGER_MS = 2000;

/** serve()'s options for the echo core itself, wherever it runs. */
export interface EchoOptions {
  backend?: Backend;
  /** Where the listener is (what clients connect to). */
  host?: string;
  /** 0 picks a free port (see the server's `address`). */
  port?: number;
  /** The core's --max-conns: connections beyond this many open ones are refused. */
  maxConns?: number;
  /** The core's --max-pending: a peer whose unsent output passes this many bytes is dropped. */
  maxPending?: number;
  /** The core's --stall-timeout: a paused peer whose output has not moved for this long is dropped. */
  stallTimeoutMs?: number;
  /** The core logs connections and bytes on stderr, and the host the connections it refused. */
  verbose?: boolean;
}

export interface EchoCommand {
  backend: Backend;
  host: string;
  port: number;
  /** argv, program name first. */
  args: string[];
  /** echo-BACKEND.wasm: the module's file and its name in messages. */
  moduleName: string;
}

/** The echo core's command for `options`; a UsageError says what is wrong with them. */
export function echoCommand(options: EchoOptions): EchoCommand {
  const backend = oneOf('backend', options.backend ?? 'epoll', BACKENDS);
  const host = hostName(options.host ?? DEFAULT_HOST);
  const port = wholeNumber('port', options.port ?? DEFAULT_PORT, 0, 65535);
  const args = [`echo-${backend}`];
  // The core checks the ranges (and exits with status 2, reported as UsageError).
  if (options.maxConns !== undefined) args.push('--max-conns', String(wholeNumber('maxConns', options.maxConns, 0, Number.MAX_SAFE_INTEGER)));
  if (options.maxPending !== undefined) args.push('--max-pending', String(wholeNumber('maxPending', options.maxPending, 0, Number.MAX_SAFE_INTEGER)));
  if (options.stallTimeoutMs !== undefined) {
    args.push('--stall-timeout', String(wholeNumber('stallTimeoutMs', options.stallTimeoutMs, 0, Number.MAX_SAFE_INTEGER)));
  }
  if (options.verbose) args.push('--verbose');
  return { backend, host, port, args, moduleName: `echo-${backend}.wasm` };
}

/**
 * The error for an echo core that exited with `code` before it ran: status 2
 * is its usage error, whose reason is the first line it wrote on stderr.
 */
export function coreDidNotStart(moduleName: string, code: number, stderr: string): Error {
  const detail = stderr.split('\n')[0]?.trim();
  if (code === 2) return new UsageError(detail || `${moduleName} rejected its arguments`);
  return new ModuleExitError(moduleName, code, detail);
}
