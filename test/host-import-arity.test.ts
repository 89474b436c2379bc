// guard() gives each import a wrapper with as many parameters as the function
// it wraps (so wasm calls it without V8's arguments adaptor), and passes on
// exactly that many arguments. That is only right while every host-owned
// import method declares plain parameters: a default or a rest parameter
// lowers Function.length and the wrapper would drop the arguments after it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EpollImports } from '../ts/host/epoll-imports.js';
import { Preview1Imports } from '../ts/host/preview1-imports.js';
import { WasixSocketImports } from '../ts/host/wasix-sockets.js';
import { makeHarness } from './helpers/host-harness.js';

/** A function of `n` plain parameters that answers how many arguments it got and their sum. */
function counting(n: number): (...args: number[]) => number {
  const params = Array.from({ length: n }, (_, i) => `p${i}`);
  return new Function(...params, 'return arguments.length * 1000 + [...arguments].reduce((a, b) => a + b, 0);') as (
    ...args: number[]
  ) => number;
}

test('guard() passes on every argument, whatever the arity', () => {
  const { host } = makeHarness();
  for (let n = 0; n <= 9; n++) {
    const fn = counting(n);
    assert.is(fn.length, n);
    const wrapped = host.guard(fn);
    const args = Array.from({ length: n }, (_, i) => i + 1);
    const sum = args.reduce((a, b) => a + b, 0);
    assert.is(wrapped(...args), n * 1000 + sum, `arity ${n}`);
    if (n >= 1 && n <= 6) assert.is(wrapped.length, n, `arity ${n}: the wrapper declares as many parameters`);
  }
  // A rest-parameter function (length 0) still gets everything.
  const rest = host.guard((...args: number[]) => args.length);
  assert.is(rest(1, 2, 3, 4, 5, 6, 7, 8), 8);
});

test('guard() turns a throw into an errno and returns what the function returns', () => {
  const { host } = makeHarness();
  assert.is(host.guard((a: number, b: number) => a - b)(7, 2), 5);
  const errno = host.guard((_a: number) => {
    throw new RangeError('out of bounds');
  })(1);
  assert.type(errno, 'number');
  assert.ok(errno > 0, `an errno, got ${errno}`);
});

function parameterList(method: (...args: unknown[]) => unknown): string {
  const source = method.toString();
  return source.slice(source.indexOf('(') + 1, source.indexOf(')'));
}

for (const cls of [Preview1Imports, EpollImports, WasixSocketImports]) {
  test(`${cls.name}: every import method declares plain parameters, and the import has its arity`, () => {
    const { imports } = makeHarness();
    const exposed = { ...imports.wasi_snapshot_preview1, ...imports.wasix_32v1 } as Record<string, (...args: unknown[]) => unknown>;
    const names = Object.getOwnPropertyNames(cls.prototype).filter((name) => name !== 'constructor');
    assert.ok(names.length > 0);
    for (const name of names) {
      const method = (cls.prototype as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
      const params = parameterList(method);
      assert.not.match(params, /=|\.\.\./, `${name}(${params}): a default or rest parameter would be cut off by guard()`);
      const declared = params.split(',').filter((p) => p.trim() !== '').length;
      assert.is(method.length, declared, `${name}: Function.length`);
      // Past six parameters (path_open, off the data path) the wrapper takes a rest parameter instead.
      assert.is(exposed[name]!.length, method.length <= 6 ? method.length : 0, `${name}: the import the module gets`);
    }
  });
}

test.run();
