// The module half as a contract test sees it: every SocketTransport method as
// an async call, whether the half runs in the test's own thread or in a
// worker. Calls are made one at a time, as the host makes them; a second call
// while one is outstanding is a mistake in the test and says so.

import * as assert from 'uvu/assert';
import type { SocketAddress } from '../../../ts/transport/address.js';
import type { Handle, PollSizes, SocketOption } from '../../../ts/transport/types.js';
import { bits } from './steps.js';
import type { Answer, Call, Pairs } from './calls.js';

/** (offset, length) pairs, as the test writes them. */
export type Iov = readonly (readonly [offset: number, length: number])[];

export interface Received {
  /** recv()'s result. */
  n: number;
  /** The whole memory it scattered into (bytes it did not write are UNTOUCHED). */
  mem: Uint8Array;
}

export interface Waited {
  /** Handles onChange reported during the wait. */
  changed: Handle[];
  elapsedMs: number;
}

/** Performs one call; rejects when the module half could not answer at all. */
export type CallModuleHalf = (call: Call) => Promise<Answer>;

function flat(iov: Iov): Pairs {
  return iov.flatMap(([offset, length]) => [offset, length]);
}

export class ModuleHalf {
  private busy: Call['op'] | null = null;

  constructor(
    readonly listeners: readonly Handle[],
    private readonly perform: CallModuleHalf,
  ) {}

  /** The first listener: every contract test listens on one address. */
  get listener(): Handle {
    return this.listeners[0]!;
  }

  async accept(listener: Handle): Promise<number> {
    return (await this.call({ op: 'accept', handle: listener })).value;
  }

  /** recv() into a fresh memory of `size` bytes through the scatter list `iov`. */
  async recv(conn: Handle, size: number, iov: Iov, peek = false): Promise<Received> {
    const answer = await this.call({ op: 'recv', handle: conn, size, iov: flat(iov), peek });
    return { n: answer.value, mem: answer.mem! };
  }

  /** recv() into one buffer of `max` bytes: the count, and the bytes it got. */
  async recvBytes(conn: Handle, max = 64 * 1024, peek = false): Promise<{ n: number; bytes: Uint8Array }> {
    const { n, mem } = await this.recv(conn, max, [[0, max]], peek);
    return { n, bytes: mem.subarray(0, Math.max(0, n)) };
  }

  /** send() from `mem` through the gather list `iov` (default: all of `mem`). */
  async send(conn: Handle, mem: Uint8Array | string, iov?: Iov): Promise<number> {
    const bytes = typeof mem === 'string' ? new TextEncoder().encode(mem) : mem;
    return (await this.call({ op: 'send', handle: conn, mem: bytes, iov: flat(iov ?? [[0, bytes.length]]) })).value;
  }

  async shutdown(conn: Handle, how: number): Promise<number> {
    return (await this.call({ op: 'shutdown', handle: conn, how })).value;
  }

  async close(handle: Handle): Promise<void> {
    await this.call({ op: 'close', handle });
  }

  async poll(handle: Handle): Promise<number> {
    return (await this.call({ op: 'poll', handle })).value;
  }

  async readable(handle: Handle): Promise<number> {
    return (await this.call({ op: 'readable', handle })).value;
  }

  /** poll_oneoff's view of `handle` (pollSizes()); its bits must be what poll() answers. */
  async pollSizes(handle: Handle): Promise<PollSizes> {
    const { value, sizes } = await this.call({ op: 'pollSizes', handle });
    assert.is(bits(sizes!.bits), bits(value), `pollSizes() and poll() of handle ${handle} disagree on the readiness`);
    return sizes!;
  }

  async wait(timeoutMs: number): Promise<Waited> {
    const { changed, elapsedMs } = await this.call({ op: 'wait', timeoutMs });
    return { changed, elapsedMs };
  }

  async end(): Promise<void> {
    await this.call({ op: 'end' });
  }

  // ---- sockets the module opens ----

  async open(family: 4 | 6 = 4): Promise<number> {
    return (await this.call({ op: 'open', family })).value;
  }

  async bind(handle: Handle, address: SocketAddress): Promise<number> {
    return (await this.call({ op: 'bind', handle, address })).value;
  }

  async listen(handle: Handle, backlog = 128): Promise<number> {
    return (await this.call({ op: 'listen', handle, backlog })).value;
  }

  async dial(handle: Handle, address: SocketAddress): Promise<number> {
    return (await this.call({ op: 'dial', handle, address })).value;
  }

  async socketError(handle: Handle): Promise<number> {
    return (await this.call({ op: 'socketError', handle })).value;
  }

  /** The address, or the (negative) errno. */
  async localAddress(handle: Handle): Promise<SocketAddress | number> {
    const answer = await this.call({ op: 'localAddress', handle });
    return answer.address ?? answer.value;
  }

  async peerAddress(handle: Handle): Promise<SocketAddress | number> {
    const answer = await this.call({ op: 'peerAddress', handle });
    return answer.address ?? answer.value;
  }

  async setOption(handle: Handle, option: SocketOption, value: number): Promise<number> {
    return (await this.call({ op: 'setOption', handle, option, value })).value;
  }

  async getOption(handle: Handle, option: SocketOption): Promise<number> {
    return (await this.call({ op: 'getOption', handle, option })).value;
  }

  private async call(call: Call): Promise<Answer> {
    if (this.busy !== null) throw new Error(`test bug: ${call.op}() called while ${this.busy}() has not answered (one call at a time)`);
    this.busy = call.op;
    try {
      const answer = await this.perform(call);
      if (answer.error !== undefined) throw new Error(`the module half threw in ${call.op}(): ${answer.error}`);
      return answer;
    } finally {
      this.busy = null;
    }
  }
}
