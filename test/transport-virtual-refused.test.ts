// Virtual network, limits at connect and listen: a full backlog or a network
// at its connection capacity refuses (ECONNREFUSED, counted as refused), an
// address nobody listens on is refused, and the same address twice is EADDRINUSE.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ControlBlock } from '../ts/transport/control-block.js';
import { VirtualOwner } from '../ts/transport/virtual/owner.js';
import { virtualPair } from './helpers/virtual-network.js';

const refused = (error: { code?: string }) => assert.is(error.code, 'ECONNREFUSED');

test('a full backlog refuses and counts', async () => {
  const { owner, control } = await virtualPair({ acceptBacklog: 4 });
  for (let i = 0; i < 4; i++) await owner.connect();
  await owner.connect().then(() => assert.unreachable('the fifth must be refused'), refused);
  assert.is(control.stats().refused, 1);
  await owner.close(0);
});

test('a network at its capacity refuses and counts', async () => {
  const { owner, module, control } = await virtualPair({}, 3);
  for (let i = 0; i < 3; i++) {
    await owner.connect();
    assert.ok(module.accept(module.listeners[0]!) > 0);
  }
  await owner.connect().then(() => assert.unreachable('no slot is left'), refused);
  assert.is(control.stats().refused, 1);
  await owner.close(0);
});

test('an address nobody listens on is refused', async () => {
  const { owner } = await virtualPair();
  await owner.connect({ host: '127.0.0.1', port: 1 }).then(() => assert.unreachable('nothing there'), refused);
  await owner.close(0);
});

test('port 0 resolves to distinct ports; the same address twice is EADDRINUSE', async () => {
  const control = new ControlBlock();
  const two = await VirtualOwner.open({ listen: [{ host: 'h', port: 0 }, { host: 'h', port: 0 }], control });
  assert.is.not(two.addresses[0]!.port, two.addresses[1]!.port);
  assert.ok(two.addresses[0]!.port > 0);
  await two.close(0);
  await VirtualOwner.open({ listen: [{ host: 'h', port: 80 }, { host: 'h', port: 80 }], control }).then(
    () => assert.unreachable('the same address twice'),
    (error: { code?: string; syscall?: string; port?: number }) => {
      assert.is(error.code, 'EADDRINUSE');
      assert.is(error.syscall, 'listen');
      assert.is(error.port, 80);
    },
  );
});

test.run();
