// The socket host: the module's fd table, sock_*, poll_oneoff, fd_* on
// sockets and the WASIX epoll imports, over any SocketTransport.
export { composeImports, type ComposedImports } from './compose.js';
export {
  SocketHost,
  ERRNO_STOPPED,
  MAX_POLL_SUBSCRIPTIONS,
  PRESTAT_TAG_NOT_A_DIR,
  type HostStats,
  type RuntimeLayout,
  type SocketHostOptions,
  type WasiFunction,
  type WasiFunctions,
} from './socket-host.js';
export { systemClock, type Clock } from './clock.js';
