// maxMemory (--max-memory): the module's memory cannot grow past the ceiling,
// and memory.grow fails the way the module expects (malloc returns NULL, the
// program goes on); a module whose declared minimum is above the ceiling does
// not start, and the error says both sizes and what to do; bad values are
// usage errors. Each instance of several gets the same ceiling.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_MEMORY_BYTES, ModuleLoadError, PAGE_BYTES, run, serve, UsageError } from '../ts/index.js';
import { withMemoryCeiling } from '../ts/facade/memory-ceiling.js';
import { runCli } from './helpers/cli.js';
import { echoOnce } from './helpers/echo-client.js';
import { fixtureWasm } from './helpers/fixtures.js';
import { assemble } from './helpers/wat.js';
import { RUNTIMES } from '../ts/runtime/types.js';

const GROW_UNTIL = fixtureWasm('grow_until');
const MiB = 1024 * 1024;

async function grown(options: { maxMemory?: number; runtime?: (typeof RUNTIMES)[number] }): Promise<number> {
  let out = '';
  const code = await run(GROW_UNTIL, { ...options, stdout: (b) => (out += Buffer.from(b).toString()) });
  assert.is(code, 0, 'the program carried on and exited by itself');
  const match = /^got (\d+) MiB\n$/.exec(out);
  assert.ok(match, out);
  return Number(match![1]);
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: under maxMemory 16 MiB, memory.grow fails at the ceiling and malloc returns NULL; without it the program gets all it asks`, async () => {
    const capped = await grown({ runtime, maxMemory: 16 * MiB });
    assert.ok(capped >= 8 && capped < 16, `got ${capped} MiB under a 16 MiB ceiling`);
    assert.is(await grown({ runtime }), 64);
  });
}

test('a module whose declared minimum is above the ceiling does not start: both sizes, and what to do', async () => {
  const error = await serve({ port: 0, maxMemory: 4 * MiB }).catch((e: unknown) => e);
  assert.instance(error, ModuleLoadError);
  // The README's line, as it stands there.
  assert.is(
    (error as Error).message,
    'cannot start echo-epoll.wasm: it needs at least 8320 KiB of memory (its declared minimum, 130 pages), more than the ceiling of 4 MiB: raise --max-memory (maxMemory) to 8320 KiB or more',
  );
  const small = await run(GROW_UNTIL, { maxMemory: PAGE_BYTES }).catch((e: unknown) => e);
  assert.instance(small, ModuleLoadError);
  assert.match((small as Error).message, /more than the ceiling of 64 KiB/);
});

test('2 instances under maxMemory each serve (the ceiling is each instance’s)', async () => {
  const server = await serve({ port: 0, transport: 'kernel', instances: 2, maxMemory: 64 * MiB, stderr: 'ignore' });
  try {
    for (let i = 0; i < 20; i++) {
      const data = randomBytes(10_000);
      assert.ok((await echoOnce(server.address.port, data)).equals(data));
    }
  } finally {
    await server.close();
  }
});

for (const bad of [0, PAGE_BYTES - 1, MAX_MEMORY_BYTES + 1, 1.5, '64m']) {
  test(`maxMemory ${JSON.stringify(bad)} is a UsageError`, async () => {
    const error = await serve({ port: 0, maxMemory: bad as never }).catch((e: unknown) => e);
    assert.instance(error, UsageError);
    assert.match((error as Error).message, /^maxMemory must be a whole number of bytes from 65536 \(one page\) to 4294967296 \(4 GiB\)/);
  });
}

test('a compiled WebAssembly.Module cannot be given a ceiling: UsageError', async () => {
  const module = new WebAssembly.Module((await assemble('(module (memory (export "memory") 1) (func (export "_start")))')) as Uint8Array<ArrayBuffer>);
  const error = await run(module, { maxMemory: MiB }).catch((e: unknown) => e);
  assert.instance(error, UsageError);
});

test('the ceiling keeps a smaller maximum the module declares, and refuses an imported memory', async () => {
  const own = await assemble('(module (memory (export "memory") 1 3) (func (export "_start")))');
  const capped = new WebAssembly.Module(withMemoryCeiling(own, 8 * PAGE_BYTES));
  const memory = new WebAssembly.Instance(capped).exports.memory as WebAssembly.Memory;
  assert.is(memory.grow(2), 1);
  assert.throws(() => memory.grow(1), RangeError, 'its own maximum, 3 pages, still holds');
  const open = await assemble('(module (memory (export "memory") 1) (func (export "_start")))');
  const limited = new WebAssembly.Instance(new WebAssembly.Module(withMemoryCeiling(open, 2 * PAGE_BYTES))).exports.memory as WebAssembly.Memory;
  assert.is(limited.grow(1), 1);
  assert.throws(() => limited.grow(1), RangeError, 'the ceiling, 2 pages');
  const imported = await assemble('(module (import "env" "memory" (memory 1)) (func (export "_start")))');
  assert.throws(() => withMemoryCeiling(imported, MiB), /imports its memory/);
});

test('CLI: serve --max-memory 1m exits 1 saying why; --max-memory 12 is a usage error (2)', async () => {
  const tooSmall = await runCli(['serve', '--port', '0', '--max-memory', '1m']);
  assert.is(tooSmall.code, 1);
  assert.match(tooSmall.stderr, /^wasi-evloop: cannot start echo-epoll\.wasm: it needs at least \d+ [KM]iB of memory .*more than the ceiling of 1 MiB/);
  const bad = await runCli(['serve', '--port', '0', '--max-memory', '12']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--max-memory.*expected a size from 64k \(one page\) to 4g/);
});

test('CLI: run --max-memory 16m: the program gets less than 16 MiB and exits 0', async () => {
  const result = await runCli(['run', GROW_UNTIL, '--max-memory', '16m']);
  assert.is(result.code, 0, result.stderr);
  const got = Number(/^got (\d+) MiB\n$/.exec(result.stdout)?.[1]);
  assert.ok(got >= 8 && got < 16, result.stdout);
});

test.run();
