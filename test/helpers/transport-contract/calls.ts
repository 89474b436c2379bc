// One call on a module half, as the contract suite makes it: what the test
// asks (Call), what the module half answered (Answer), and runCall, the one
// place that performs a Call on a SocketTransport. The in-thread kind runs it
// directly; the worker kinds run it in module-worker.ts, so both see exactly
// the same calls.

import type { SocketAddress } from '../../../ts/transport/address.js';
import type { Handle, IoList, PollSizes, SocketOption, SocketTransport } from '../../../ts/transport/types.js';

/** Every byte of a recv() buffer starts as this, so a byte written outside the scatter list shows. */
export const UNTOUCHED = 0xee;

/** (offset, length) pairs, flat: what IoList.iov holds. */
export type Pairs = number[];

export type Call =
  | { op: 'accept' | 'poll' | 'readable' | 'pollSizes' | 'close'; handle: Handle }
  | { op: 'recv'; handle: Handle; size: number; iov: Pairs; peek: boolean }
  | { op: 'send'; handle: Handle; mem: Uint8Array; iov: Pairs }
  | { op: 'shutdown'; handle: Handle; how: number }
  | { op: 'wait'; timeoutMs: number }
  | { op: 'end' }
  | { op: 'open'; family: 4 | 6 }
  | { op: 'bind' | 'dial'; handle: Handle; address: SocketAddress }
  | { op: 'listen'; handle: Handle; backlog: number }
  | { op: 'socketError' | 'localAddress' | 'peerAddress'; handle: Handle }
  | { op: 'setOption'; handle: Handle; option: SocketOption; value: number }
  | { op: 'getOption'; handle: Handle; option: SocketOption };

export interface Answer {
  /** The method's result (0 for those that return nothing). */
  value: number;
  /** recv(): the whole memory it scattered into. */
  mem?: Uint8Array;
  /** localAddress() / peerAddress() that gave an address (value is then 0). */
  address?: SocketAddress;
  /** pollSizes(): what it filled in (`value` is then what poll() answered right after). */
  sizes?: PollSizes;
  /** Handles onChange reported during the call. */
  changed: Handle[];
  /** How long the call took, on the kind's clock (virtual for the in-memory network). */
  elapsedMs: number;
  /** The method threw (a transport must not): the error, with its stack. */
  error?: string;
}

export function ioList(mem: Uint8Array, iov: Pairs): IoList {
  return { mem, iov: Uint32Array.from(iov), count: iov.length / 2 };
}

/**
 * Runs `call` on `transport`. `changed` is the list the transport's onChange
 * appends to; it is emptied first, so the answer holds only this call's reports.
 */
export function runCall(transport: SocketTransport, call: Call, now: () => number, changed: Handle[]): Answer {
  changed.length = 0;
  const start = now();
  let value = 0;
  let mem: Uint8Array | undefined;
  let address: SocketAddress | undefined;
  let sizes: PollSizes | undefined;
  try {
    switch (call.op) {
      case 'accept':
        value = transport.accept(call.handle);
        break;
      case 'poll':
        value = transport.poll(call.handle);
        break;
      case 'readable':
        value = transport.readable(call.handle);
        break;
      case 'pollSizes':
        sizes = { bits: 0, toRead: 0, toWrite: 0 };
        transport.pollSizes(call.handle, sizes);
        value = transport.poll(call.handle);
        break;
      case 'close':
        transport.close(call.handle);
        break;
      case 'recv':
        mem = new Uint8Array(call.size).fill(UNTOUCHED);
        value = transport.recv(call.handle, ioList(mem, call.iov), call.peek);
        break;
      case 'send':
        value = transport.send(call.handle, ioList(call.mem, call.iov));
        break;
      case 'shutdown':
        value = transport.shutdown(call.handle, call.how);
        break;
      case 'wait':
        transport.wait(call.timeoutMs);
        break;
      case 'end':
        transport.end();
        break;
      case 'open':
        value = transport.open(call.family);
        break;
      case 'bind':
        value = transport.bind(call.handle, call.address);
        break;
      case 'listen':
        value = transport.listen(call.handle, call.backlog);
        break;
      case 'dial':
        value = transport.dial(call.handle, call.address);
        break;
      case 'socketError':
        value = transport.socketError(call.handle);
        break;
      case 'localAddress':
      case 'peerAddress': {
        const a = call.op === 'localAddress' ? transport.localAddress(call.handle) : transport.peerAddress(call.handle);
        if (typeof a === 'number') value = a;
        else address = a;
        break;
      }
      case 'setOption':
        value = transport.setOption(call.handle, call.option, call.value);
        break;
      case 'getOption':
        value = transport.getOption(call.handle, call.option);
        break;
    }
  } catch (error) {
    return { value: 0, changed: [...changed], elapsedMs: now() - start, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  return { value, mem, address, sizes, changed: [...changed], elapsedMs: now() - start };
}
