// `wasi-evloop serve --instances 2` and `run --instances 2`: one listening
// line naming the count, every instance serves the address, SIGTERM stops
// them all (each prints its stats line) and exits 0; a bad count is a usage
// error (status 2); node-net says why not (status 1).
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, startCli } from './helpers/cli.js';
import { connect, echoOnce } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';

const ECHOES = 40;

async function echoMany(port: number): Promise<void> {
  await Promise.all(
    Array.from({ length: ECHOES }, async () => {
      const data = randomBytes(5000);
      assert.ok((await echoOnce(port, data)).equals(data), 'echoed exactly');
    }),
  );
}

/** The accepted= counts of the cores' stats lines. */
function accepted(stderr: string): number[] {
  return [...stderr.matchAll(/stats: accepted=(\d+) /g)].map((m) => Number(m[1]));
}

test('serve --instances 2: one line naming the count, both instances serve, SIGTERM → exit 0', async () => {
  const cli = startCli(['serve', '--port', '0', '--instances', '2']);
  try {
    const [line, port] = await cli.waitFor('stdout', /^listening on 127\.0\.0\.1:(\d+) \(.*\)\n/);
    assert.is(line, `listening on 127.0.0.1:${port} (backend epoll, runtime node, transport kernel, instances 2)\n`);
    await echoMany(Number(port));
    cli.child.kill('SIGTERM');
    const result = await cli.exited(8000);
    assert.is(result.code, 0, result.stderr);
    assert.is(result.stdout, line, 'one line on stdout');
    const counts = accepted(result.stderr);
    assert.is(counts.length, 2, 'each instance printed its stats line');
    assert.is(counts[0]! + counts[1]!, ECHOES);
  } finally {
    cli.child.kill('SIGKILL');
  }
});

test('run --instances 2: one listening line per address naming the count, SIGINT → exit 0', async () => {
  const cli = startCli(['run', 'wasm/echo-epoll.wasm', '--tcplisten', '127.0.0.1:0', '--instances', '2']);
  try {
    const [line, port] = await cli.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+).*\n/);
    assert.is(line, `listening on 127.0.0.1:${port} (instances 2)\n`);
    await echoMany(Number(port));
    cli.child.kill('SIGINT');
    const result = await cli.exited(8000);
    assert.is(result.code, 0, result.stderr);
    assert.is(accepted(result.stderr).length, 2);
  } finally {
    cli.child.kill('SIGKILL');
  }
});

for (const bad of ['0', 'many', '257', '-1']) {
  test(`serve --instances ${bad}: status 2 and what is expected`, async () => {
    const result = await runCli(['serve', '--port', '0', '--instances', bad]);
    assert.is(result.code, 2);
    assert.match(result.stderr, /--instances.*expected 'auto' or a whole number from 1 to 256/);
  });
}

test('serve --max-restarts x: status 2', async () => {
  const result = await runCli(['serve', '--port', '0', '--instances', '2', '--max-restarts', 'x']);
  assert.is(result.code, 2);
  assert.match(result.stderr, /--max-restarts.*expected a whole number from 0 to 1000000/);
});

test('serve --transport node-net --instances 2: status 1, why, and what to do', async () => {
  const result = await runCli(['serve', '--port', '0', '--transport', 'node-net', '--instances', '2']);
  assert.is(result.code, 1);
  assert.match(result.stderr, /^wasi-evloop: the node-net transport is unavailable: several instances need the kernel transport .*--transport kernel/);
});

test('run --instances 2 --max-restarts 0: a trap stops every instance; the limit line, the trap line, status 134', async () => {
  const cli = startCli(['run', fixtureWasm('trap_echo'), '--tcplisten', '127.0.0.1:0', '--instances', '2', '--max-restarts', '0']);
  try {
    const [, port] = await cli.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+) \(instances 2\)\n/);
    const s = await connect(Number(port));
    s.on('error', () => {});
    s.write('TRAP');
    const result = await cli.exited(8000);
    s.destroy();
    assert.is(result.code, 134, result.stderr);
    assert.match(result.stderr, /\nwasi-evloop: instance [12] of 2 trapped \(unreachable\); the limit of restarts in a row \(0\) is reached: stopping every instance\nwasi-evloop: trap_echo\.wasm trapped: unreachable\n$/);
  } finally {
    cli.child.kill('SIGKILL');
  }
});

test('serve --help and run --help: --max-restarts (default 5), --instances, --max-memory', async () => {
  for (const command of ['serve', 'run']) {
    const help = await runCli([command, '--help']);
    assert.is(help.code, 0);
    assert.match(help.stdout.replace(/\s+/g, ' '), /--max-restarts <n> .*\(default 5\)/);
    assert.match(help.stdout, /--instances <n\|auto>/);
    assert.match(help.stdout, /--max-memory <size>/);
  }
});

test('run --instances 2 with the default --max-restarts (5): the sixth failure in a row ends it, status 134', async () => {
  const cli = startCli(['run', fixtureWasm('trap_echo'), '--tcplisten', '127.0.0.1:0', '--instances', '2']);
  try {
    const [, port] = await cli.waitFor('stderr', /listening on 127\.0\.0\.1:(\d+) \(instances 2\)\n/);
    // Every connection traps whichever instance takes it; a connection to one waiting to restart waits for it.
    const traps = (async () => {
      while (cli.child.exitCode === null) {
        const s = await connect(Number(port), 1000).catch(() => null);
        if (s === null) return;
        s.on('error', () => {});
        s.write('TRAP');
        await new Promise((r) => s.once('close', r).setTimeout(2000, () => s.destroy()));
      }
    })();
    const result = await cli.exited(30_000);
    await traps;
    assert.is(result.code, 134, result.stderr);
    // The README's backoff: 100 ms, doubling (to 5 s).
    for (let n = 1; n <= 5; n++) assert.match(result.stderr, `restarting it in ${100 * 2 ** (n - 1)} ms (restart ${n} of at most 5 in a row)`);
    assert.match(result.stderr, /the limit of restarts in a row \(5\) is reached: stopping every instance\n/);
  } finally {
    cli.child.kill('SIGKILL');
  }
});

test.run();
