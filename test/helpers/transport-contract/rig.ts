// What a contract test gets for one transport kind: the module half (driven
// call by call), peers that connect to its listener, the shared ControlBlock,
// and a way to make something happen while the module half waits.

import type { SocketAddress } from '../../../ts/transport/address.js';
import type { ControlBlock } from '../../../ts/transport/control-block.js';
import type { ModuleHalf } from './module-half.js';

export interface RigOptions {
  /** Per-connection buffer limits the kind is opened with; both default to DEFAULT_LIMIT. */
  limits?: { inbound?: number; outbound?: number };
}

/**
 * Small, so that filling a transport's buffers takes few calls. Kinds whose
 * bytes wait in the kernel (kinds.ts) may size their buffers otherwise.
 */
export const DEFAULT_LIMIT = 64 * 1024;

export type PeerEnd = 'eof' | 'reset';

/** The other end of one connection: a node:net client, or the in-memory network's client. */
export interface Peer {
  /** Sends bytes, in order after earlier writes (as the network takes them). */
  write(data: Uint8Array | string): void;
  /** shutdown(SHUT_WR): FIN after what was written. */
  end(): void;
  /** close(2): FIN after what was written, and nothing more is read. */
  close(): void;
  /** RST now. */
  reset(): void;
  /** The next `n` bytes the module sent; rejects if they do not come within `ms`. */
  read(n: number, ms?: number): Promise<Uint8Array>;
  /** Everything the module sends until the connection ends, and how it ended. */
  readToEnd(ms?: number): Promise<{ bytes: Uint8Array; end: PeerEnd }>;
  /** Reads from now on whatever the module sends (kept for read() and readToEnd()). */
  startReading(): void;
  /**
   * Writes as fast as the network takes bytes, for `ms`: how many it took,
   * and whether it stopped taking them (the peer was slowed down).
   */
  flood(ms: number): Promise<{ accepted: number; stalled: boolean }>;
}

/** A server of the test's that the module dials (a socket it opened connects there). */
export interface RemoteServer {
  readonly address: SocketAddress;
  /** Connections that reached it so far. */
  readonly count: number;
  /** The next connection that reached it, as a Peer; rejects if none comes within `ms`. */
  accepted(ms?: number): Promise<Peer>;
}

export interface Rig {
  readonly kind: string;
  /**
   * The kind keeps no bytes of its own: they wait in the kernel's socket
   * buffers, whose sizes the kernel chooses (kinds.ts).
   */
  readonly kernelBuffered: boolean;
  readonly limits: { inbound: number; outbound: number };
  readonly module: ModuleHalf;
  readonly control: ControlBlock;
  /** A new connection to the module's listener (not yet accepted). Rejects if refused. */
  connect(): Promise<Peer>;
  /**
   * Runs `action` `ms` from now, while the module half may be waiting (the
   * in-memory network runs it inside wait(), on its clock). Errors are
   * reported when the test ends.
   */
  later(ms: number, action: () => unknown): void;
  /** What the owner does to stop the module: control.requestStop(), then wake(). */
  requestStop(): void;
  /** Milliseconds, on the clock the module half's answers are timed with. */
  now(): number;
  /** A server the module can dial. */
  serve(): Promise<RemoteServer>;
  /** An address where nothing listens: a dial there is refused. */
  refusing(): Promise<SocketAddress>;
  /** An address where a dial stays under way (no outcome) while the test runs. */
  stalled(): Promise<SocketAddress>;
  /** A peer connecting to `address` (where a socket the module opened listens). Rejects if refused. */
  connectTo(address: SocketAddress): Promise<Peer>;
  /** Ends everything the rig started (peers, worker, owner); returns errors of later() actions. */
  dispose(): Promise<unknown[]>;
}

/** A kind as the suite opens it. */
export interface KindUnderTest {
  readonly name: string;
  /** Why the kind cannot work here, or null. */
  unavailable(): Promise<string | null>;
  open(options: RigOptions): Promise<Rig>;
}
