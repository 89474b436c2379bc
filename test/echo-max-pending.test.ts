// `--max-pending` (`maxPending`): "Above half of `--max-pending` (default
// 1048576, 1 MiB) the core stops reading that peer", and a peer "whose pending output
// ever passes `--max-pending`" is dropped. A client that writes and never
// reads shows both: with the default, the core's pending output for it (what
// it received minus what it sent, from the --verbose log) stops between half
// of 1 MiB and 1 MiB; with --max-pending 1024, one read past it drops the
// peer at once (the stall timeout is off, so nothing else could).
import type net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeUntilStuck } from './helpers/clients.js';
import { connect, sleep, withTimeout } from './helpers/echo-client.js';
import { allKinds } from './helpers/kinds.js';
import { thenStop } from './helpers/then-stop.js';

/** README: "`--max-pending` (default 1048576, 1 MiB)". */
const README_DEFAULT_MAX_PENDING = 1 << 20;

/**
 * Keeps a never-reading client writing until the core has stopped reading it:
 * its pending output (from the log) stays the same for 2 s while the client
 * still has bytes it cannot send. A core that still read would have taken some.
 */
async function pausedPending(hog: net.Socket, pending: () => number): Promise<number> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    await writeUntilStuck(hog, 300, 256 << 20);
    const samples = [pending()];
    for (let i = 0; i < 2; i++) {
      await sleep(1000);
      samples.push(pending());
    }
    if (samples[0]! > 0 && samples.every((p) => p === samples[0]) && hog.writableLength > 0) return samples[0]!;
  }
  throw new Error(`the core never stopped reading a client that never reads (pending ${pending()})`);
}

/** What the core received from and sent to connection `fd`, from its --verbose lines. */
function pendingOf(log: string, fd: string): number {
  const sum = (what: string) =>
    Array.from(log.matchAll(new RegExp(`^(?:wasi-evloop: )?fd=${fd}: ${what} (\\d+) bytes$`, 'gm')), (m) => Number(m[1])).reduce((a, b) => a + b, 0);
  return sum('received') - sum('sent');
}

const KINDS = allKinds().filter((k) => k.backend === 'epoll');

for (const kind of KINDS) {
  // The default is the core's, the same behind the facade and the CLI: the CLI's servers (whose --help states it) and the native one.
  if (kind.process) test(`${kind.name}, default --max-pending (1 MiB): a peer that never reads is paused with between half of 1 MiB and 1 MiB pending`, async () => {
    const server = await kind.start({ verbose: true });
    await thenStop(async () => {
      const hog = await connect(server.port);
      hog.on('error', () => {});
      hog.pause();
      try {
        const fd = await withTimeout('the new connection line', 5000, (async () => {
          let m: RegExpExecArray | null = null;
          while (!(m = /new connection fd=(\d+)/.exec(server.stderr()))) await sleep(20);
          return m[1]!;
        })());
        const pending = await pausedPending(hog, () => pendingOf(server.stderr(), fd));
        assert.ok(pending > README_DEFAULT_MAX_PENDING / 2, `paused with ${pending} bytes pending: at or below half of 1 MiB`);
        assert.ok(pending <= README_DEFAULT_MAX_PENDING, `${pending} bytes pending: past the default --max-pending of 1 MiB`);
      } finally {
        hog.destroy();
      }
    }, () => server.stop());
  });

  test(`${kind.name} --max-pending 1024 --stall-timeout 0: a peer whose pending output passes it is dropped`, async () => {
    const server = await kind.start({ maxPending: 1024, stallTimeoutMs: 0, verbose: true });
    const { stats } = await thenStop(async () => {
      const hog = await connect(server.port);
      hog.on('error', () => {});
      hog.pause();
      try {
        let closed = false;
        hog.once('close', () => (closed = true));
        let written = 0;
        // One read of up to 64 KiB past the high-water mark passes 1024 and drops the peer; but a
        // read may leave between 512 and 1024 pending, which pauses the peer without dropping it
        // (the stall timeout is off). Then the client reads a little, and the core reads again.
        for (let round = 0; round < 20 && !closed; round++) {
          written += await writeUntilStuck(hog, 1000, 64 << 20);
          if (closed) break;
          hog.resume();
          await sleep(100);
          hog.pause();
        }
        await withTimeout('the peer to be dropped', 5000, new Promise<void>((resolve) => (closed ? resolve() : hog.once('close', () => resolve()))));
        assert.ok(written < 20 * (64 << 20), `the server took ${written} bytes from a peer that never reads`);
      } finally {
        hog.destroy();
      }
    }, () => server.stop());
    assert.is(stats?.dropped, 1, 'dropped, counted once');
    assert.match(server.stderr(), /connection fd=\d+ closed \(pending output over --max-pending\)/);
  });
}

test.run();
