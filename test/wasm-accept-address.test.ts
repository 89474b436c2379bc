// accept()/accept4() must be given a real address and length. The wasi-libc
// in our toolchain writes the peer address through those pointers even when
// they are NULL (fixed upstream since), i.e. to address 0 of the module's
// memory; that went unnoticed only because --stack-first puts the never-used
// bottom of the stack there. A host whose memory at 0 is not zero shows it:
// after an accept, a canary written there must be intact.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixtureWasm } from './helpers/fixtures.js';
import { BACKENDS, REPO } from './helpers/servers.js';
import { runStub, type StubOptions } from './helpers/stub-host.js';

const TEXT = Buffer.from('canary at address 0, left alone by accept(); '.repeat(2));
// Read as a socklen_t, the text is a huge length (the bad libc traps on it); a
// small one makes it overwrite memory silently instead. Both must not happen.
const CANARIES = [TEXT, Buffer.concat([Buffer.from([16, 0, 0, 0]), TEXT])];

function acceptsWithCanary(wasm: string, options: StubOptions) {
  const results = CANARIES.map((canary) => {
    const r = runStub(wasm, {
      ...options,
      pending: 1,
      beforeStart: (memory) => new Uint8Array(memory.buffer).set(canary, 0),
    });
    assert.is(r.trap, undefined, `the module trapped: ${r.trap?.message}`);
    assert.is(r.accepted.length, 1, `it accepted the waiting connection; stderr: ${r.stderr}`);
    const at0 = Buffer.from(r.memory.buffer, 0, canary.length);
    assert.ok(at0.equals(canary), `memory at 0 was overwritten: ${JSON.stringify(at0.toString('latin1'))}`);
    return r;
  });
  return results[0]!;
}

for (const b of BACKENDS) {
  test(`echo-${b}.wasm: accept4 leaves memory at address 0 alone`, () => {
    acceptsWithCanary(`${REPO}wasm/echo-${b}.wasm`, { waits: ['ready'] });
  });
}

test('blocking_echo: accept leaves memory at address 0 alone', () => {
  const r = acceptsWithCanary(fixtureWasm('blocking_echo'), { args: ['blocking_echo', '1'] });
  assert.is(r.exit, 0);
  assert.is(r.stdout, 'served 1\n');
});

test('retry_accept: accept leaves memory at address 0 alone', () => {
  const r = acceptsWithCanary(fixtureWasm('retry_accept'), {});
  assert.is(r.exit, undefined, 'it went back to accept (blocked) after the peer closed');
  assert.is(r.stderr, '');
});

test.run();
