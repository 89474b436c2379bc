// run(): a module that traps rejects with ModuleTrapError naming the module
// and the trap (the CLI: one line, exit 134), and the host goes on running
// modules.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModuleTrapError } from '../ts/index.js';
import { moduleRunners } from './helpers/module-runners.js';
import { assemble } from './helpers/wat.js';

const trapper = await assemble(`(module
  (memory (export "memory") 1)
  (func (export "_start") unreachable))`);
const exitsWith3 = await assemble(`(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 3))))`);

for (const runner of moduleRunners()) {
  test(`${runner.name}: a trap rejects with ModuleTrapError; the next module runs`, async () => {
    const error = await runner.start(trapper, { name: 'trapper.wasm', listen: true }).exit.then(
      () => null,
      (e: unknown) => e,
    );
    assert.instance(error, ModuleTrapError);
    const trap = error as ModuleTrapError;
    assert.is(trap.moduleName, 'trapper.wasm');
    assert.match(trap.trap, /unreachable/);
    assert.match(trap.message, /^trapper\.wasm trapped: .*unreachable/);
    assert.is(await runner.start(exitsWith3).exit, 3);
  });
}

test.run();
