// --instances auto is one instance per core the process may run on: its CPU
// affinity, not the machine's core count (os.availableParallelism()). Under
// `taskset -c 0` it is 1; under `taskset -c 0,1`, 2.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI } from './helpers/cli.js';
import { REPO } from './helpers/servers.js';

const TASKSET = spawnSync('taskset', ['--version']).error === undefined;

/** serve({ instances: 'auto' }) in a child process under `taskset -c cpus`: how many instances it started. */
function autoUnder(cpus: string): string {
  const script = `import { serve } from ${JSON.stringify(`${REPO}dist/ts/index.js`)};
const server = await serve({ transport: 'kernel', port: 0, instances: 'auto', stderr: 'ignore' });
process.stdout.write(server.instances + ' ' + server.stats().instances.length + '\\n');
await server.close();`;
  const child = spawnSync('taskset', ['-c', cpus, process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.is(child.status, 0, child.stderr);
  return child.stdout.trim();
}

if (!TASKSET) {
  test.skip('taskset');
  console.log('instances-auto skipped: no taskset (util-linux: apt-get install util-linux)');
} else {
  test("instances: 'auto' on a 1-core affinity mask (taskset -c 0) is 1", () => {
    assert.is(autoUnder('0'), '1 1');
  });

  if (availableParallelism() >= 2) {
    test("instances: 'auto' on a 2-core mask (taskset -c 0,1) is 2, and the CLI's listening line says so", () => {
      assert.is(autoUnder('0,1'), '2 2');
      const script = `
const { spawn } = require('node:child_process');
const cli = spawn(process.execPath, [${JSON.stringify(CLI)}, 'serve', '--port', '0', '--instances', 'auto'], { stdio: ['ignore', 'pipe', 'inherit'] });
cli.stdout.once('data', (line) => { process.stdout.write(line); cli.kill('SIGTERM'); });
cli.on('exit', (code) => process.exit(code));`;
      const child = spawnSync('taskset', ['-c', '0,1', process.execPath, '-e', script], { encoding: 'utf8', timeout: 20_000 });
      assert.is(child.status, 0, child.stderr);
      assert.match(child.stdout, /^listening on 127\.0\.0\.1:\d+ \(backend epoll, runtime node, transport kernel, instances 2\)\n$/);
    });
  } else {
    test.skip('2-core mask');
    console.log('instances-auto: the 2-core case skipped: this process may run on 1 core only');
  }
}

test.run();
