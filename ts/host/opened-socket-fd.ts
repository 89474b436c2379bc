// A socket the module opened itself (WASIX sock_open) before it listens or
// connects: it can be bound, have its options set and its address read.
// sock_listen makes it a ListenerFd and sock_connect a ConnectionFd, under
// the same number and handle (SocketHost.replaceSocket): from then on it is
// served exactly as the listeners and connections the host made.

import * as w from '../wasi/index.js';
import { PEER_CLOSED, WRITABLE, type Handle } from '../transport/types.js';
import { wildcardHost, type SocketAddress } from '../transport/address.js';
import type { HostContext, PollState } from './descriptor.js';
import { CONNECTION_RIGHTS, UnconnectedFd } from './socket-fd.js';

export class OpenedSocketFd extends UnconnectedFd {
  /** Where it was bound (port as asked: 0 for any), or null. */
  bound: SocketAddress | null = null;

  constructor(
    host: HostContext,
    handle: Handle,
    readonly family: 4 | 6,
  ) {
    super(host, handle, 0, CONNECTION_RIGHTS | w.RIGHTS_SOCK_ACCEPT, CONNECTION_RIGHTS);
  }

  /** The wildcard address of its family: what listen() on an unbound socket binds to (port 0: any). */
  get anyAddress(): SocketAddress {
    return { family: this.family, host: wildcardHost(this.family), port: 0 };
  }

  /** accept(2) on a socket that does not listen. */
  sock_accept(): number {
    return w.ERRNO_INVAL;
  }

  /**
   * As Linux's tcp_poll for a closed socket: writable and hung up (a send
   * fails at once), nothing to read.
   */
  readiness(): number {
    return WRITABLE | PEER_CLOSED;
  }

  override epollEvents(): number {
    return w.EPOLLOUT | w.EPOLLHUP;
  }

  /** Both events fire with HANGUP and nothing to move; the transport knows no readiness for it. */
  override pollState(out: PollState): void {
    out.bits = this.readiness();
    out.readReady = out.writeReady = out.hangup = true;
    out.toRead = out.toWrite = 0;
  }

  protected fullHangup(): boolean {
    return true;
  }
}
