// `--max-conns N` (`maxConns`) "refuses connections beyond N open ones": with
// N open, the N+1st is accepted and closed at once (the client reads EOF, no
// echo), counted as refused and logged with --verbose; the N keep being
// served, and once one of them leaves there is room again.
import type net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closedByPeer, connect, echoOnce, readToEnd, roundTrip } from './helpers/echo-client.js';
import { allKinds } from './helpers/kinds.js';
import { thenStop } from './helpers/then-stop.js';

const N = 3;

for (const kind of allKinds().filter((k) => k.backend === 'epoll' || k.native)) {
  test(`${kind.name} --max-conns ${N}: the ${N + 1}th connection is refused, the ${N} are served`, async () => {
    const server = await kind.start({ maxConns: N, verbose: true });
    const held: net.Socket[] = [];
    const { stats } = await thenStop(async () => {
      try {
        for (let i = 0; i < N; i++) {
          held.push(await connect(server.port));
          assert.is((await roundTrip(held[i]!, Buffer.from(`client ${i}`))).toString(), `client ${i}`);
        }
        const extra = await connect(server.port);
        const got = readToEnd(extra, 5000).catch(() => Buffer.alloc(0));
        extra.write('refused?');
        assert.is((await got).length, 0, `the ${N + 1}th got an echo`);
        extra.destroy();
        for (const [i, s] of held.entries()) assert.is((await roundTrip(s, Buffer.from(`again ${i}`))).toString(), `again ${i}`);
        const leaving = held.shift()!;
        leaving.end();
        await closedByPeer(leaving);
        // Once one left, a new connection is served (the core may see the close a moment later).
        let back = '';
        for (let attempt = 0; attempt < 20 && back !== 'room again'; attempt++) {
          back = (await echoOnce(server.port, Buffer.from('room again')).catch(() => Buffer.alloc(0))).toString();
        }
        assert.is(back, 'room again');
      } finally {
        for (const s of held) s.destroy();
      }
    }, () => server.stop());
    assert.ok(stats !== undefined && stats.refused >= 1, `refused=${stats?.refused}`);
    assert.match(server.stderr(), /refused connection fd=\d+ \(--max-conns reached\)/);
  });
}

test.run();
