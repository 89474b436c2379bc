// How a kind with an owner half gets its peers: a TCP kind's listener is a
// real address, so its peers are node:net sockets (NetPeer); an in-process
// kind (IN_PROCESS_KINDS in ts/transport/kinds.ts) is reached only through its
// owner half's connect(), so its peers are VirtualSockets (VirtualPeer).

import { IN_PROCESS_KINDS, type KindName } from '../../../ts/transport/kinds.js';
import type { TransportOwner } from '../../../ts/transport/types.js';
import { NetPeer } from './net-peer.js';
import type { Peer } from './rig.js';
import { tcpTargets, type DialTargets } from './tcp-targets.js';
import { virtualTargets } from './virtual-targets.js';
import { VirtualPeer } from './virtual-peer.js';

/** A peer the rig ends when the test does. */
export interface OwnedPeer extends Peer {
  dispose(): void;
}

/** Connects a new peer to the owner half's first listener; rejects if refused. */
export type Dial = (owner: TransportOwner) => Promise<OwnedPeer>;

export function dialFor(kind: KindName): Dial {
  if ((IN_PROCESS_KINDS as readonly string[]).includes(kind)) return (owner) => VirtualPeer.connect(owner);
  return (owner) => NetPeer.connect(owner.addresses[0]!.port);
}

/**
 * What the module's own sockets dial, for a kind: TCP on loopback for the TCP
 * kinds; servers on the owner's own network for the in-process ones.
 */
export function dialTargetsFor(kind: KindName, owner: () => TransportOwner): DialTargets {
  if ((IN_PROCESS_KINDS as readonly string[]).includes(kind)) return virtualTargets(owner);
  return tcpTargets();
}
