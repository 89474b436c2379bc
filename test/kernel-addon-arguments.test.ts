// Kernel addon, arguments: a wrong kind of argument is the caller's bug and
// throws a TypeError or RangeError that names the function, the argument, what
// was expected and what came; it never reaches a syscall.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelAddon } from './helpers/kernel-addon.js';
import { KERNEL_ADDON, requirePrerequisite } from './helpers/prerequisites.js';

const it = requirePrerequisite(test, KERNEL_ADDON);

function throwsWith(call: () => unknown, kind: typeof TypeError | typeof RangeError, message: RegExp) {
  try {
    call();
  } catch (error) {
    assert.instance(error, kind);
    assert.match((error as Error).message, message);
    return;
  }
  assert.unreachable(`no ${kind.name} for ${call}`);
}

const mem = new Uint8Array(64);
const pairs = Uint32Array.of(0, 8);

it('numbers: not a number is a TypeError; a fraction or out of range is a RangeError', () => {
  const addon = kernelAddon();
  throwsWith(() => addon.close('3' as unknown as number), TypeError, /^close\(\): fd must be a number, got a string$/);
  throwsWith(() => (addon.close as () => number)(), TypeError, /^close\(\): fd must be a number, got undefined$/);
  throwsWith(() => addon.close(-1), RangeError, /^close\(\): fd must be an integer from 0 to 2147483647, got -1$/);
  throwsWith(() => addon.recv(1.5, 1, false), RangeError, /recv\(\): fd .* got 1\.5$/);
  throwsWith(() => addon.close(NaN), RangeError, /got NaN$/);
  throwsWith(() => addon.close(Infinity), RangeError, /got Infinity$/);
  throwsWith(() => addon.listen('127.0.0.1', 65536, 1), RangeError, /^listen\(\): port must be an integer from 0 to 65535, got 65536$/);
  throwsWith(() => addon.shutdown(3, 3), RangeError, /^shutdown\(\): how \(SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2\) must be/);
  throwsWith(() => addon.epollWait(3, new Int32Array(2), -2), RangeError, /^epollWait\(\): timeoutMs must be an integer from -1 to/);
  throwsWith(() => addon.recv(3, -1, false), RangeError, /^recv\(\): iovCount must be an integer from 0 to/);
  throwsWith(() => addon.send(3, 2 ** 31), RangeError, /^send\(\): iovCount must be an integer from 0 to/);
});

it('typed arrays: the wrong array is a TypeError naming both', () => {
  const addon = kernelAddon();
  throwsWith(() => addon.bind(Buffer.alloc(8).buffer as unknown as Uint8Array, pairs), TypeError, /^bind\(\): mem must be a Uint8Array, got an object$/);
  throwsWith(() => addon.bind(new Int8Array(8) as unknown as Uint8Array, pairs), TypeError, /^bind\(\): mem must be a Uint8Array, got an Int8Array$/);
  throwsWith(() => addon.bind(mem, [0, 8] as unknown as Uint32Array), TypeError, /^bind\(\): iov must be a Uint32Array, got an object$/);
  throwsWith(() => addon.bind(mem, new Int32Array(2) as unknown as Uint32Array), TypeError, /iov must be a Uint32Array, got an Int32Array/);
  throwsWith(() => addon.epollWait(3, new Uint32Array(2) as unknown as Int32Array, 0), TypeError, /^epollWait\(\): out must be an Int32Array, got a Uint32Array$/);
  throwsWith(() => addon.epollWait(3, new Int32Array(1), 0), RangeError, /^epollWait\(\): out must hold at least one \(fd, events\) pair$/);
  throwsWith(() => addon.recv(3, 1, 1 as unknown as boolean), TypeError, /^recv\(\): peek must be a boolean, got a number$/);
});

it('listen: the address must be a numeric IP literal, and the message says what to do', () => {
  const addon = kernelAddon();
  throwsWith(() => addon.listen('localhost', 0, 1), TypeError, /numeric IPv4 or IPv6 address .*resolve host names first.*got 'localhost'/);
  throwsWith(() => addon.listen('127.0.0.1:80', 0, 1), TypeError, /got '127\.0\.0\.1:80'/);
  throwsWith(() => addon.listen('x'.repeat(200), 0, 1), TypeError, /got 'x+\.\.\.'$/);
  throwsWith(() => addon.listen('127.0.0.1\0garbage', 0, 1), TypeError, /got '127\.0\.0\.1' followed by a NUL byte$/);
  throwsWith(() => addon.listen(127 as unknown as string, 0, 1), TypeError, /^listen\(\): ip must be a string, got a number$/);
});

it('the calls of sockets a module opens: a numeric address, a port, a family of 4 or 6, named in the message', () => {
  const addon = kernelAddon();
  throwsWith(() => addon.socket(5 as 4), RangeError, /^socket\(\): family must be 4 or 6, got 5$/);
  throwsWith(() => addon.bindSocket(3, 'localhost', 0), TypeError, /^bindSocket\(\): ip must be a numeric IPv4 or IPv6 address, got 'localhost'$/);
  throwsWith(() => addon.bindSocket(3, '127.0.0.1', 65536), RangeError, /^bindSocket\(\): port must be an integer from 0 to 65535, got 65536$/);
  throwsWith(() => addon.connect(-1, '127.0.0.1', 80), RangeError, /^connect\(\): fd must be/);
  throwsWith(() => addon.connect(3, '::1', '80' as unknown as number), TypeError, /^connect\(\): port must be a number, got a string$/);
});

it('a thrown argument error leaves nothing behind: the next call works', () => {
  const addon = kernelAddon();
  throwsWith(() => addon.epollCtl(3, 1, 3, 2 ** 33), RangeError, /events must be an integer/);
  const efd = addon.eventfd();
  assert.ok(efd >= 0);
  assert.is(addon.close(efd), 0);
});

test.run();
