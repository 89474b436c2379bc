// What a socket the module opens dials on the virtual network: servers on the
// page side of the owner half's own network (VirtualNetwork.listen), an
// address nothing listens on, a server that holds every connection under way
// (it never accepts), and page clients for the module's own listeners.

import type { SocketAddress } from '../../../ts/transport/address.js';
import type { TransportOwner } from '../../../ts/transport/types.js';
import { VirtualOwner, type VirtualServer } from '../../../ts/transport/virtual/owner.js';
import { withTimeout } from '../echo-client.js';
import type { OwnedPeer } from './peers.js';
import type { Peer, RemoteServer } from './rig.js';
import type { DialTargets } from './tcp-targets.js';
import { VirtualPeer } from './virtual-peer.js';

const ACCEPT_MS = 10_000;

function network(owner: TransportOwner) {
  if (!(owner instanceof VirtualOwner)) throw new Error(`virtual dial targets need the virtual network's owner half, not ${owner.constructor.name}`);
  return owner.network;
}

const loopback = (port: number): SocketAddress => ({ family: 4, host: '127.0.0.1', port });

export function virtualTargets(owner: () => TransportOwner): DialTargets {
  const servers: VirtualServer[] = [];
  const peers: OwnedPeer[] = [];
  return {
    async serve() {
      const server = await network(owner()).listen({ host: '127.0.0.1', port: 0 });
      servers.push(server);
      let count = 0;
      return {
        address: loopback(server.address.port),
        get count() {
          return count + server.pending;
        },
        async accepted(ms = ACCEPT_MS): Promise<Peer> {
          const peer = VirtualPeer.of(await withTimeout('a connection to reach the page server', ms, server.accept()));
          count++;
          peers.push(peer);
          return peer;
        },
      } satisfies RemoteServer;
    },

    async refusing() {
      return loopback(1);
    },

    async stalled() {
      const server = await network(owner()).listen({ host: '127.0.0.1', port: 0 }, { hold: true });
      servers.push(server);
      return loopback(server.address.port);
    },

    async connectTo(address) {
      const peer = await VirtualPeer.connect(owner(), address);
      peers.push(peer);
      return peer;
    },

    dispose() {
      for (const peer of peers) peer.dispose();
      for (const server of servers) server.close();
    },
  };
}
