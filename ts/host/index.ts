// The socket host: the module's fd table, sock_*, poll_oneoff, fd_* on
// sockets and the WASIX epoll imports, over any SocketTransport.
export { composeImports, type ComposedImports } from './compose.js';
export { SocketHost, type RuntimeLayout, type SocketHostOptions } from './socket-host.js';
export type { WasiFunction, WasiFunctions } from './descriptor.js';
export { PRESTAT_TAG_NOT_A_DIR } from './preview1-imports.js';
export { MAX_POLL_SUBSCRIPTIONS } from './poll-oneoff.js';
export { ERRNO_STOPPED, GRACE_OVER, MAX_STOP_NOTICES, ModuleStopped } from './waiting.js';
export { systemClock, type Clock } from './clock.js';
