// Transport contract, dial: a socket the module opens connects to a server
// (0 at once, or -EINPROGRESS and CONNECTING alone until the outcome), is
// then WRITABLE with room to send (pollSizes) and no pending error, has the server's address as its peer
// and the address the server sees as its own, and carries bytes both ways
// as an accepted connection does. A second listener on an address in use
// gets EADDRINUSE: from bind, or on node-net (whose bind only records the
// address: README, the known limit) from listen. Run over every transport kind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRNO_ADDRINUSE, ERRNO_INPROGRESS } from '../ts/wasi/defs.js';
import { WRITABLE } from '../ts/transport/types.js';
import { contract } from './helpers/transport-contract/contract.js';
import { acceptOne, dialAndSettle, expectReadiness, result, settleReadable, str, text } from './helpers/transport-contract/steps.js';

contract(
  'dial: 0 or EINPROGRESS, then WRITABLE, SO_ERROR 0, both addresses, bytes both ways',
  async (rig) => {
    const m = rig.module;
    const server = await rig.serve();
    const { handle, dialed } = await dialAndSettle(m, server.address);
    assert.ok(dialed === 0 || dialed === -ERRNO_INPROGRESS, `dial answered ${result(dialed)}`);
    await expectReadiness(m, handle, WRITABLE, 'once connected');
    // The first connection of a transport may be one it dialled: its room is known without an accept.
    const made = await m.pollSizes(handle);
    assert.ok(made.toRead === 0 && made.toWrite > 0, `pollSizes() once connected: ${JSON.stringify(made)}`);
    assert.is(await m.socketError(handle), 0, 'SO_ERROR of a connection that was made');
    const peer = await server.accepted();
    assert.is(server.count, 1, 'connections that reached the server');

    assert.equal(await m.peerAddress(handle), server.address, 'peerAddress() is the server');
    const local = await m.localAddress(handle);
    assert.ok(typeof local !== 'number' && local.host === '127.0.0.1' && local.port > 0, `localAddress() ${JSON.stringify(local)}`);

    assert.is(await m.send(handle, 'ping'), 4);
    // A transport may hold sends until the module's next wait (node-net batches them).
    await m.wait(0);
    assert.is(str(await peer.read(4)), 'ping', 'the server got the bytes');
    peer.write(text('pong'));
    await settleReadable(m, handle, 4);
    assert.is(str((await m.recvBytes(handle)).bytes), 'pong', 'the module got the answer');
  },
);

contract(
  'a listener the module opened: bound to port 0, it listens on a free port, accepts, and knows its peers',
  async (rig) => {
    const m = rig.module;
    const l = await m.open(4);
    assert.is(await m.bind(l, { family: 4, host: '127.0.0.1', port: 0 }), 0);
    assert.is(await m.listen(l, 16), 0);
    const address = await m.localAddress(l);
    assert.ok(typeof address !== 'number' && address.port > 0, `localAddress() of the listener ${JSON.stringify(address)}`);
    if (typeof address === 'number') return;
    const peer = await rig.connectTo(address);
    const conn = await acceptOne(m, l);
    const seen = await m.peerAddress(conn);
    assert.ok(typeof seen !== 'number' && seen.host === '127.0.0.1' && seen.port > 0, `peerAddress() of the accepted connection ${JSON.stringify(seen)}`);
    assert.equal(await m.localAddress(conn), address, 'the accepted connection is on the listener\'s address');
    peer.write('hello');
    await settleReadable(m, conn, 5);
    assert.is(str((await m.recvBytes(conn)).bytes), 'hello');
  },
);

contract(
  "an address in use: EADDRINUSE from bind, or from listen on node-net (bind only records the address there)",
  async (rig) => {
    const m = rig.module;
    const first = await m.open(4);
    assert.is(await m.bind(first, { family: 4, host: '127.0.0.1', port: 0 }), 0);
    assert.is(await m.listen(first, 16), 0);
    const address = await m.localAddress(first);
    if (typeof address === 'number') return assert.unreachable(`localAddress() ${result(address)}`);
    const second = await m.open(4);
    const bound = await m.bind(second, address);
    if (rig.kind === 'node-net') {
      assert.is(result(bound), result(0), 'node-net: bind records the address');
      assert.is(result(await m.listen(second, 16)), result(-ERRNO_ADDRINUSE), 'node-net: listen finds it in use');
    } else {
      assert.is(result(bound), result(-ERRNO_ADDRINUSE), 'bind to an address in use');
    }
  },
);

test.run();
