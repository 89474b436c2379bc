// The connections a transport itself refuses before the module sees them
// (its accept backlog full) are counted as refused and told to the user:
// `wasi-evloop serve --verbose` logs "the connections the transport itself
// had to refuse before the core saw them". Here on
// each kind that keeps a backlog of its own — node-net and the virtual
// network; the kernel transport's backlog is the kernel's — with a backlog of
// one and a module half that never accepts.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ControlBlock } from '../ts/transport/control-block.js';
import { openOwner } from '../ts/transport/kinds.js';
import type { VirtualOwner } from '../ts/transport/virtual/owner.js';
import { until } from './helpers/clients.js';
import { connect } from './helpers/echo-client.js';

for (const kind of ['node-net', 'virtual'] as const) {
  test(`${kind}: past its accept backlog a connection is refused, counted, and logged`, async () => {
    const lines: string[] = [];
    const control = new ControlBlock();
    const owner = await openOwner(kind, { listen: [{ host: '127.0.0.1', port: 0 }], control, limits: { acceptBacklog: 1 }, log: (line) => lines.push(line) });
    const { port } = owner.addresses[0]!;
    const peers: net.Socket[] = [];
    try {
      if (kind === 'node-net') {
        for (let i = 0; i < 2; i++) peers.push(await connect(port));
      } else {
        const virtual = owner as VirtualOwner;
        await virtual.connect();
        const refused = await virtual.connect().then(() => null, (e: { code?: string }) => e.code);
        assert.is(refused, 'ECONNREFUSED');
      }
      await until(() => lines.length > 0, 5000, 'the refusal to be logged');
      assert.equal(lines, [`refused a connection on 127.0.0.1:${port}: 1 connections already wait for accept`]);
      assert.is(control.stats().refused, 1);
    } finally {
      for (const p of peers) p.destroy();
      await owner.close(0);
    }
  });
}

test.run();
