import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, REPO } from './helpers/servers.js';

for (const b of BACKENDS) {
  test(`native echo-${b}: bad arguments get a message and exit status 2`, () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /unknown or incomplete option "--bogus"[\s\S]*usage:/],
      [['--listen', '127.0.0.1:0', '--max-conns', '0'], /--max-conns: expected a whole number/],
      [['--listen', '127.0.0.1:0', '--max-pending', '12x'], /--max-pending: expected a whole number/],
      [['--listen', 'nowhere'], /--listen nowhere: expected HOST:PORT/],
      [[], /pass --listen HOST:PORT/],
    ];
    for (const [args, message] of cases) {
      const r = spawnSync(`${REPO}build/echo-${b}`, args, { encoding: 'utf8', timeout: 5000 });
      assert.is(r.status, 2, `${args.join(' ')}: status ${r.status}`);
      assert.match(r.stderr, message);
    }
    const help = spawnSync(`${REPO}build/echo-${b}`, ['--help'], { encoding: 'utf8', timeout: 5000 });
    assert.is(help.status, 0);
    assert.match(help.stdout, new RegExp(`usage: echo-${b}`));
  });
}

test.run();
