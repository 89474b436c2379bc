// What a socket the module opens dials, for the kinds whose sockets are real
// TCP on 127.0.0.1: a node:net server of the test's, an address where
// nothing listens, one where a connect stays under way, and node:net peers
// for the module's own listeners. All on loopback, all closed by dispose().
//
// A connect stays under way on loopback when the listener's accept queue is
// full: Linux then drops the SYN (tcp_conn_request: sk_acceptq_is_full) and
// the client retries for minutes, in SYN_SENT. A listener with backlog 0
// holds one connection; one filler connection fills it.

import net from 'node:net';
import type { SocketAddress } from '../../../ts/transport/address.js';
import { withTimeout } from '../echo-client.js';
import { kernelAddon } from '../kernel-addon.js';
import { NetPeer } from './net-peer.js';
import type { OwnedPeer } from './peers.js';
import type { Peer, RemoteServer } from './rig.js';

const ACCEPT_MS = 10_000;

export interface DialTargets {
  serve(): Promise<RemoteServer>;
  refusing(): Promise<SocketAddress>;
  stalled(): Promise<SocketAddress>;
  connectTo(address: SocketAddress): Promise<OwnedPeer>;
  dispose(): void;
}

const loopback = (port: number): SocketAddress => ({ family: 4, host: '127.0.0.1', port });

export function tcpTargets(): DialTargets {
  const servers: net.Server[] = [];
  const sockets: net.Socket[] = [];
  const peers: OwnedPeer[] = [];
  const fds: number[] = [];
  return {
    async serve() {
      const arrived: NetPeer[] = [];
      const waiters: (() => void)[] = [];
      const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
        const peer = NetPeer.of(socket);
        peers.push(peer);
        arrived.push(peer);
        for (const wake of waiters.splice(0)) wake();
      });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0 }, resolve);
      });
      let count = 0;
      let taken = 0;
      server.on('connection', () => count++);
      return {
        address: loopback((server.address() as net.AddressInfo).port),
        get count() {
          return count;
        },
        async accepted(ms = ACCEPT_MS): Promise<Peer> {
          await withTimeout('a connection to reach the test server', ms, (async () => {
            while (arrived.length <= taken) await new Promise<void>((resolve) => waiters.push(resolve));
          })());
          return arrived[taken++]!;
        },
      };
    },

    async refusing() {
      // Bound, never listening: the port is ours, and a SYN to it is answered with RST.
      const addon = kernelAddon();
      const fd = addon.socket(4);
      if (fd < 0 || addon.bindSocket(fd, '127.0.0.1', 0) < 0) throw new Error('cannot reserve a port for refused connects');
      fds.push(fd);
      return loopback(addon.localPort(fd));
    },

    async stalled() {
      const addon = kernelAddon();
      const fd = addon.listen('127.0.0.1', 0, 0);
      if (fd < 0) throw new Error(`listen for a stalled address: ${fd}`);
      fds.push(fd);
      const port = addon.localPort(fd);
      const filler = await withTimeout('the filler connection', 5000, new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
        s.once('error', reject);
      }));
      filler.on('error', () => {});
      sockets.push(filler);
      return loopback(port);
    },

    async connectTo(address) {
      const peer = await NetPeer.connect(address.port, 5000, address.host);
      peers.push(peer);
      return peer;
    },

    dispose() {
      for (const peer of peers) peer.dispose();
      for (const socket of sockets) socket.destroy();
      for (const server of servers) server.close();
      const addon = fds.length > 0 ? kernelAddon() : null;
      for (const fd of fds) addon!.close(fd);
    },
  };
}
