// The supervisor of several instances: an instance that traps (or exits
// unasked with a nonzero status) is restarted after a backoff, on the same
// listener, while the other keeps serving and loses no byte; each restart is
// one line and counts in stats (the instance's and the sum); past the limit
// every instance is stopped and the whole ends with the error; a module that
// exits 0 by itself (run) ends only its instance, and run() returns once
// every instance has.
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModuleTrapError, run } from '../ts/index.js';
import { loadModule } from '../ts/facade/module-loader.js';
import { launch, type Launched } from '../ts/runtime/launch.js';
import { until } from './helpers/clients.js';
import { closedByPeer, connect, readExactly, sleep, withTimeout } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { RUNTIMES } from '../ts/runtime/types.js';

const TRAP_ECHO = fixtureWasm('trap_echo');

/** The fixture as 2 instances under the supervisor, as run() launches them. */
async function twoInstances(runtime: (typeof RUNTIMES)[number], maxRestarts: number, notices: string[], steadyMs = 60_000): Promise<Launched> {
  const launched = await launch({
    module: await loadModule(TRAP_ECHO, 'trap_echo.wasm'),
    moduleName: 'trap_echo.wasm',
    runtime,
    transport: 'kernel',
    args: ['trap_echo'],
    env: {},
    preopens: [],
    listen: [{ host: '127.0.0.1', port: 0 }],
    stdout: 'ignore',
    stderr: 'ignore',
    lingerMs: 1000,
    instances: { count: 2, maxRestarts, exitZeroEnds: true, steadyMs, graceMs: 2000, notice: (line) => notices.push(line) },
  });
  assert.ok(await launched.ready, 'both instances serve');
  return launched;
}

/** A connection to each instance: connects until each instance has accepted one, and says which is whose. */
async function oneOnEach(launched: Launched): Promise<net.Socket[]> {
  const port = launched.addresses[0]!.port;
  const mine: (net.Socket | undefined)[] = [undefined, undefined];
  const extra: net.Socket[] = [];
  for (let i = 0; i < 200 && mine.some((s) => s === undefined); i++) {
    const before = launched.stats().instances.map((s) => s.accepted);
    const s = await connect(port);
    s.on('error', () => {});
    // Accepted once it has echoed.
    s.write('x');
    await readExactly(s, 1);
    const after = launched.stats().instances.map((s) => s.accepted);
    const which = after.findIndex((n, at) => n > before[at]!);
    if (which >= 0 && mine[which] === undefined) mine[which] = s;
    else extra.push(s);
  }
  for (const s of extra) s.destroy();
  assert.ok(mine.every((s) => s !== undefined), 'a connection reached each instance');
  return mine as net.Socket[];
}

/** Echoes on `socket` until `stop()` says so; resolves with the bytes checked. */
async function keepEchoing(socket: net.Socket, going: () => boolean): Promise<number> {
  let checked = 0;
  while (going()) {
    const data = randomBytes(2048);
    socket.write(data);
    assert.ok((await readExactly(socket, data.length)).equals(data), 'the other instance echoes exactly');
    checked += data.length;
  }
  return checked;
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: an instance that traps is restarted while the other keeps serving; the restart counts in stats`, async () => {
    const notices: string[] = [];
    const launched = await twoInstances(runtime, 3, notices);
    try {
      const [first, second] = await oneOnEach(launched);
      let going = true;
      const other = keepEchoing(second!, () => going);
      // Seen through `await other` below; a failure before that must not leave it unhandled.
      other.catch(() => {});
      await sleep(20);
      first!.write('TRAP');
      await closedByPeer(first!).catch(() => {});
      await until(() => launched.stats().restarts === 1, 5000, 'the restart in stats');
      assert.is(notices.length, 1, notices.join('\n'));
      assert.match(notices[0]!, new RegExp(`^instance 1 of 2 trapped \\(.*unreachable.*\\); restarting it in 100 ms \\(restart 1 of at most 3 in a row\\)$`));
      const stats = launched.stats();
      assert.is(stats.instances[0]!.restarts, 1);
      assert.is(stats.instances[1]!.restarts, 0);
      // The restarted instance serves again: new connections reach it.
      const before = stats.instances[0]!.accepted;
      const port = launched.addresses[0]!.port;
      const more: net.Socket[] = [];
      try {
        for (let i = 0; i < 200 && launched.stats().instances[0]!.accepted === before; i++) {
          const s = await connect(port);
          s.on('error', () => {});
          more.push(s);
          s.write('y');
          await readExactly(s, 1);
        }
        assert.ok(launched.stats().instances[0]!.accepted > before, 'the restarted instance accepts again');
      } finally {
        for (const s of more) s.destroy();
      }
      going = false;
      assert.ok((await other) > 0, 'the other instance echoed throughout');
      assert.is(launched.stats().instances[1]!.restarts, 0);
      first!.destroy();
      second!.destroy();
    } finally {
      assert.equal(await launched.stop(2000), { type: 'exit', code: 0 });
    }
  });
}

test('an instance that served steadily (steadyMs) before it failed starts its count of restarts in a row afresh', async () => {
  const notices: string[] = [];
  const launched = await twoInstances('node', 1, notices, 300);
  try {
    for (let round = 1; round <= 3; round++) {
      // Each instance serves (the restarted one too), then for longer than steadyMs.
      const [first, second] = await oneOnEach(launched);
      await sleep(600);
      first!.write('TRAP');
      await closedByPeer(first!).catch(() => {});
      await until(() => launched.stats().restarts === round, 5000, `restart ${round}`);
      second!.destroy();
    }
    assert.is(notices.length, 3, notices.join('\n'));
    for (const line of notices) assert.match(line, /; restarting it in 100 ms \(restart 1 of at most 1 in a row\)$/);
  } finally {
    assert.equal(await launched.stop(2000), { type: 'exit', code: 0 });
  }
});

test('giving up stops the other instance, which was serving, and the whole ends with the trap', async () => {
  const notices: string[] = [];
  const launched = await twoInstances('node', 0, notices);
  const [first, second] = await oneOnEach(launched);
  try {
    const stoppedOther = closedByPeer(second!, 10_000);
    stoppedOther.catch(() => {}); // awaited below
    first!.write('TRAP');
    const outcome = await withTimeout('the end of the whole', 10_000, launched.outcome);
    assert.is(outcome.type, 'trap');
    await stoppedOther;
    assert.is(notices.length, 1);
    assert.match(notices[0]!, /^instance 1 of 2 trapped \(.*\); the limit of restarts in a row \(0\) is reached: stopping every instance$/);
  } finally {
    first!.destroy();
    second!.destroy();
    await launched.stop(0);
  }
});

test('a stop while an instance waits to restart: it is not restarted, and the whole ends 0', async () => {
  const notices: string[] = [];
  const launched = await twoInstances('node', 3, notices);
  const [first, second] = await oneOnEach(launched);
  first!.write('TRAP');
  await until(() => notices.length === 1, 5000, 'the restart line');
  const before = launched.stats().instances[0]!.accepted;
  // Within the 100 ms backoff.
  assert.equal(await launched.stop(2000), { type: 'exit', code: 0 });
  await sleep(300);
  assert.is(launched.stats().restarts, 1);
  assert.is(launched.stats().instances[0]!.accepted, before, 'no new incarnation of the first instance ran');
  assert.is(notices.length, 1, notices.join('\n'));
  first!.destroy();
  second!.destroy();
});

test('an unasked exit with a nonzero status is restarted too', async () => {
  const notices: string[] = [];
  const launched = await twoInstances('node', 3, notices);
  try {
    const [first, second] = await oneOnEach(launched);
    second!.write('EXIT');
    await closedByPeer(second!).catch(() => {});
    await until(() => launched.stats().restarts === 1, 5000, 'the restart in stats');
    assert.match(notices[0]!, /^instance 2 of 2 exited with status 3; restarting it/);
    first!.destroy();
  } finally {
    assert.equal(await launched.stop(2000), { type: 'exit', code: 0 });
  }
});

test('past maxRestarts in a row: one line, every instance stopped, run() rejects with the trap', async () => {
  let stderr = '';
  let port = 0;
  let count = 0;
  const exit = run(TRAP_ECHO, {
    instances: 2,
    maxRestarts: 1,
    transport: 'kernel',
    tcplisten: ['127.0.0.1:0'],
    stderr: (bytes) => (stderr += Buffer.from(bytes).toString()),
    // README: "run()'s onListening gets the count as its second argument".
    onListening: (addresses, instances) => {
      port = addresses[0]!.port;
      count = instances;
    },
  });
  exit.catch(() => {});
  await until(() => port !== 0, 5000, 'the listener');
  assert.is(count, 2, "onListening's second argument: the instance count");
  // Every connection traps whichever instance takes it, until the supervisor gives up.
  const deadline = Date.now() + 10_000;
  let settled = false;
  void exit.finally(() => (settled = true)).catch(() => {});
  while (!settled && Date.now() < deadline) {
    const s = await connect(port).catch(() => null);
    if (s !== null) {
      s.on('error', () => {});
      s.write('TRAP');
      await sleep(20);
      s.destroy();
    } else {
      await sleep(20);
    }
  }
  const error = await withTimeout('run() giving up', 10_000, exit.then(() => null, (e: unknown) => e));
  assert.instance(error, ModuleTrapError);
  assert.match(stderr, /wasi-evloop: instance [12] of 2 trapped \(.*\); restarting it in 100 ms \(restart 1 of at most 1 in a row\)\n/);
  assert.match(stderr, /wasi-evloop: instance [12] of 2 trapped \(.*\); the limit of restarts in a row \(1\) is reached: stopping every instance\n/);
});

test('default maxRestarts is 5: the restart line says so', async () => {
  let stderr = '';
  let port = 0;
  const controller = new AbortController();
  const exit = run(TRAP_ECHO, {
    instances: 2,
    transport: 'kernel',
    tcplisten: ['127.0.0.1:0'],
    signal: controller.signal,
    stderr: (bytes) => (stderr += Buffer.from(bytes).toString()),
    onListening: (addresses) => (port = addresses[0]!.port),
  });
  try {
    await until(() => port !== 0, 5000, 'the listener');
    const s = await connect(port);
    s.on('error', () => {});
    s.write('TRAP');
    await until(() => stderr.includes('restarting'), 5000, 'the restart line');
    s.destroy();
    assert.match(stderr, /\(restart 1 of at most 5 in a row\)\n/);
  } finally {
    controller.abort();
    assert.is(await exit, 0);
  }
});

test('run(): a module that exits 0 by itself ends only its instance; run() returns 0 once every instance has', async () => {
  let port = 0;
  let settled = false;
  const exit = run(TRAP_ECHO, { instances: 2, transport: 'kernel', tcplisten: ['127.0.0.1:0'], stderr: 'ignore', onListening: (a) => (port = a[0]!.port) });
  void exit.finally(() => (settled = true)).catch(() => {});
  await until(() => port !== 0, 5000, 'the listener');
  const deadline = Date.now() + 10_000;
  let quits = 0;
  while (!settled && Date.now() < deadline) {
    const s = await connect(port, 1000).catch(() => null);
    if (s === null) break;
    s.on('error', () => {});
    s.write('QUIT');
    await closedByPeer(s).catch(() => {});
    s.destroy();
    quits++;
  }
  assert.is(await exit, 0);
  assert.ok(quits >= 2, `both instances had to be told (${quits})`);
});

test.run();
