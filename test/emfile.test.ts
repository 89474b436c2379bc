import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { roundTrip, sleep } from './helpers/echo-client.js';
import { connectMany } from './helpers/clients.js';
import { allKinds } from './helpers/kinds.js';
import { procStats } from './helpers/servers.js';
import { thenStop } from './helpers/then-stop.js';

const FD_LIMIT = 64;
const CLIENTS = 100;

async function served(s: net.Socket, ms: number): Promise<boolean> {
  const data = randomBytes(16);
  return roundTrip(s, data, ms).then((b) => b.equals(data), () => false);
}

// Only servers that are processes of their own can be given a low fd limit.
for (const kind of allKinds().filter((k) => k.process)) {
  test(`${kind.name}: out of fds (ulimit -n ${FD_LIMIT}) it neither crashes nor spins`, async () => {
    const server = await kind.start({ fdLimit: FD_LIMIT, verbose: true });
    const sockets: net.Socket[] = [];
    const { code } = await thenStop(async () => {
      try {
        sockets.push(...(await connectMany(CLIENTS, server.port)));
        const first = await Promise.all(sockets.map((s) => served(s, 2000)));
        const ok = first.filter(Boolean).length;
        assert.ok(ok > FD_LIMIT / 2 && ok < CLIENTS, `${ok} of ${CLIENTS} served under ulimit ${FD_LIMIT}`);

        const cpu0 = procStats(server.pid!).cpuMs;
        await sleep(2000);
        const idleCpu = procStats(server.pid!).cpuMs - cpu0;
        assert.ok(idleCpu < 200, `server used ${idleCpu} ms of CPU in 2 s while out of fds`);

        const servedSockets = sockets.filter((_, i) => first[i]);
        const again = await Promise.all(servedSockets.map((s) => served(s, 2000)));
        assert.ok(again.every(Boolean), 'existing clients are still served');

        // The core is told (EMFILE; wasi-libc's strerror words it differently from
        // glibc's) and stops accepting for a moment, so the others wait in the
        // kernel's backlog and get in once fds are freed — natively and on the
        // kernel transport. (On node-net, libuv accepts and closes them itself,
        // without telling Node: they are refused, not kept waiting.)
        if (kind.native || kind.transport === 'kernel') {
          assert.match(server.stderr(), /accept: (Too many open files|No file descriptors available); not accepting for \d+ ms/);
          // Each fd freed lets one waiting client in (the process's own fds leave
          // fewer for clients under Node than natively).
          for (const s of servedSockets) s.destroy();
          const waiting = sockets.filter((_, i) => !first[i]);
          const later = await Promise.all(waiting.map((s) => served(s, 5000)));
          const expected = Math.min(waiting.length, servedSockets.length);
          assert.ok(later.filter(Boolean).length >= expected, `${later.filter(Boolean).length} of ${waiting.length} waiting clients served later, ${expected} fds freed`);
        }
      } finally {
        for (const s of sockets) s.destroy();
      }
    }, () => server.stop());
    assert.is(code, 0);
  });
}

test.run();
