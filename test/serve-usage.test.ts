// serve() with bad options rejects with UsageError saying what is wrong,
// whether the facade or the core (which checks its own ranges) notices.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serve, UsageError, type ServeOptions } from '../ts/index.js';

const cases: [string, ServeOptions, RegExp][] = [
  ['an unknown backend', { backend: 'kqueue' as never }, /backend must be one of select, poll, epoll/],
  ['an unknown runtime', { runtime: 'wasmtime' as never }, /runtime must be one of node, shim/],
  ['a port past 65535', { port: 70000 }, /port must be a whole number from 0 to 65535/],
  ['a fractional port', { port: 80.5 }, /port must be a whole number/],
  ['an empty host', { host: '' }, /host must be/],
  ['--max-conns 0 (the core says)', { port: 0, maxConns: 0 }, /--max-conns: expected a whole number from 1/],
  ['--max-pending too small (the core says)', { port: 0, maxPending: 10 }, /--max-pending: expected a whole number from 1024/],
  ['a negative stopGraceMs', { stopGraceMs: -1 }, /stopGraceMs must be a whole number from 0 to 2147483647, got -1/],
  ['a fractional stopGraceMs', { stopGraceMs: 0.5 }, /stopGraceMs must be a whole number/],
  ['a stopGraceMs past a timer\'s reach', { stopGraceMs: 2 ** 31 }, /stopGraceMs must be a whole number from 0 to 2147483647/],
  ['a stopGraceMs as a string', { stopGraceMs: '2000' as never }, /stopGraceMs must be a whole number/],
];

for (const [what, options, message] of cases) {
  test(`${what} is a UsageError`, async () => {
    const error = await serve({ stderr: 'ignore', ...options }).then(
      (server) => server.close().then(() => null),
      (e: unknown) => e,
    );
    assert.instance(error, UsageError);
    assert.match((error as Error).message, message);
  });
}

test.run();
