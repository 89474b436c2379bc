import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, REPO } from './helpers/servers.js';

const EPOLL_IMPORTS = ['wasix_32v1.epoll_create', 'wasix_32v1.epoll_ctl', 'wasix_32v1.epoll_wait'];

for (const b of BACKENDS) {
  test(`echo-${b}.wasm imports preview1 only${b === 'epoll' ? ' plus the three WASIX epoll calls' : ''} and exports _start and memory`, () => {
    const module = new WebAssembly.Module(readFileSync(`${REPO}wasm/echo-${b}.wasm`));
    const imports = WebAssembly.Module.imports(module);
    for (const i of imports) assert.is(i.kind, 'function', `${i.module}.${i.name} is a function`);
    const foreign = imports.filter((i) => i.module !== 'wasi_snapshot_preview1').map((i) => `${i.module}.${i.name}`);
    assert.equal(foreign.sort(), b === 'epoll' ? EPOLL_IMPORTS : []);
    const names = new Set(imports.map((i) => i.name));
    // What the host must own for sockets; select and poll both go through poll_oneoff.
    for (const n of ['sock_accept', 'sock_recv', 'sock_send', 'fd_close', 'fd_fdstat_get', 'fd_fdstat_set_flags'])
      assert.ok(names.has(n), `imports ${n}`);
    assert.is(names.has('poll_oneoff'), b !== 'epoll', 'poll_oneoff only where select/poll use it');
    const exports = WebAssembly.Module.exports(module).map((e) => `${e.kind}:${e.name}`).sort();
    assert.equal(exports, ['function:_start', 'memory:memory']);
  });
}

test.run();
