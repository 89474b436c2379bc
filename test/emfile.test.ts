// Out of fds (ulimit -n 64 on a server process of its own): it neither
// crashes nor spins, and its clients are served, kept waiting or refused —
// never given wrong bytes. Natively and on the kernel transport the core is
// told (EMFILE) and pauses its listeners, so the clients it could not take
// wait in the kernel's backlog and get in once fds are freed; on node-net,
// libuv accepts and closes them itself, without telling Node (so the host
// cannot log them).
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep } from './helpers/echo-client.js';
import { answerTo, connectMany, countAnswers } from './helpers/clients.js';
import { allKinds } from './helpers/kinds.js';
import { procStats } from './helpers/servers.js';
import { thenStop } from './helpers/then-stop.js';

const FD_LIMIT = 64;
const CLIENTS = 100;


// Only servers that are processes of their own can be given a low fd limit.
for (const kind of allKinds().filter((k) => k.process)) {
  test(`${kind.name}: out of fds (ulimit -n ${FD_LIMIT}) it neither crashes nor spins`, async () => {
    const server = await kind.start({ fdLimit: FD_LIMIT, verbose: true });
    const sockets: net.Socket[] = [];
    const { code } = await thenStop(async () => {
      try {
        sockets.push(...(await connectMany(CLIENTS, server.port)));
        const written = sockets.map(() => randomBytes(16));
        const first = await Promise.all(sockets.map((s, i) => answerTo(s, written[i]!, 2000)));
        const counts = countAnswers(first);
        const ok = counts.echoed;
        assert.is(counts.wrong, 0, `wrong bytes: ${JSON.stringify(counts)}`);
        assert.ok(ok > FD_LIMIT / 2 && ok < CLIENTS, `${ok} of ${CLIENTS} served under ulimit ${FD_LIMIT} (${JSON.stringify(counts)})`);
        // Kept waiting in the backlog (native, kernel) or refused by libuv (node-net): one or the other.
        if (kind.native || kind.transport === 'kernel') assert.is(counts.closed, 0, `refused instead of kept waiting: ${JSON.stringify(counts)}`);
        else assert.is(counts.silent, 0, `kept waiting instead of refused: ${JSON.stringify(counts)}`);

        const cpu0 = procStats(server.pid!).cpuMs;
        await sleep(2000);
        const idleCpu = procStats(server.pid!).cpuMs - cpu0;
        assert.ok(idleCpu < 200, `server used ${idleCpu} ms of CPU in 2 s while out of fds`);

        const servedSockets = sockets.filter((_, i) => first[i] === 'echoed');
        const again = await Promise.all(servedSockets.map((s) => answerTo(s, randomBytes(16), 2000)));
        assert.equal(countAnswers(again), { echoed: servedSockets.length, closed: 0, wrong: 0, silent: 0 }, 'existing clients are still served');

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
          const waiting = sockets.flatMap((s, i) => (first[i] === 'silent' ? [{ s, data: written[i]! }] : []));
          // Their first bytes were written: now they must come back.
          const later = countAnswers(await Promise.all(waiting.map(({ s, data }) => answerTo(s, data, 5000, true))));
          const expected = Math.min(waiting.length, servedSockets.length);
          assert.is(later.wrong, 0, `wrong bytes: ${JSON.stringify(later)}`);
          assert.ok(later.echoed >= expected, `${later.echoed} of ${waiting.length} waiting clients served later, ${expected} fds freed`);
        } else {
          // libuv accepted and closed them itself (its spare-fd trick), without telling Node: refused, unlogged.
          assert.ok(counts.closed > 0, `none refused: ${JSON.stringify(counts)}`);
        }
      } finally {
        for (const s of sockets) s.destroy();
      }
    }, () => server.stop());
    assert.is(code, 0);
  });
}

test.run();
