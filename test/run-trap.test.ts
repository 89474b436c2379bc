// run(): a module that traps rejects with ModuleTrapError naming the module
// and the trap, and the host goes on running modules.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModuleTrapError, run, RUNTIMES, TRANSPORTS } from '../ts/index.js';
import { assemble } from './helpers/wat.js';

const trapper = await assemble(`(module
  (memory (export "memory") 1)
  (func (export "_start") unreachable))`);
const exitsWith3 = await assemble(`(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 3))))`);

for (const transport of TRANSPORTS) {
for (const runtime of RUNTIMES) {
  test(`${runtime} ${transport}: a trap rejects with ModuleTrapError; the next module runs`, async () => {
    const error = await run(trapper, { runtime, transport, name: 'trapper.wasm', tcplisten: ['127.0.0.1:0'] }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.instance(error, ModuleTrapError);
    const trap = error as ModuleTrapError;
    assert.is(trap.moduleName, 'trapper.wasm');
    assert.match(trap.trap, /unreachable/);
    assert.match(trap.message, /^trapper\.wasm trapped: .*unreachable/);
    assert.is(await run(exitsWith3, { runtime, transport }), 3);
  });
}

}
test.run();
