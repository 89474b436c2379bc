// The README's promises (and --help's) → the tests that check them, by the
// documented name and value. test/readme-promises.test.ts finds the promises
// (rules: test/helpers/promise-rules.ts) and fails on a promise with no row
// here, on a row whose test file is missing or does not mention the promise's
// name and value, and on a row for a promise no longer made.
//
// To add a row: run `npx uvu dist/test readme-promises`; it prints each
// promise without a row as its key. Add
//   'KEY': 'FILE.test.ts',                          (a file in test/)
//   'KEY': 'FILE.test.ts: PART OF A TEST NAME',     (that file, that test)
//   'KEY': ['A.test.ts', 'B.test.ts: …'],           (several)
// A limit (`NAME` (VALUE)) is tested with the README's value, not by importing
// the constant.

export type Row = string | readonly string[];

export const PROMISES: Readonly<Record<string, Row>> = {
  // ---- README's first commands -------------------------------------------------
  'example npm start': 'cli-serve-defaults.test.ts: npm start: listening on 127.0.0.1:',
  "example printf 'hello\\n' | nc -N 127.0.0.1 7007": "cli-serve-defaults.test.ts: the README's netcat client",
  'example node -e "const s=require(\'net\').connect(7007,\'127.0.0.1\',()=>s.end(\'ping\\n\'));s.pipe(process.stdout)"': 'cli-serve-defaults.test.ts: the node client gets ping back',
  'example npm test': '../.ci/run',
  'example npm install': '../.ci/run',
  'script npm test': '../.ci/run',
  'example npx wasi-evloop demo': 'browser-demo-command.test.ts: npx wasi-evloop demo',
  'output stats: accepted=… refused=… closed=… bytes_in=… bytes_out=… dropped=…': 'cli-serve-defaults.test.ts',

  // ---- wasi-evloop serve -----------------------------------------------------------
  'flag wasi-evloop serve --backend': 'cli-serve.test.ts',
  'flag wasi-evloop serve --runtime': 'cli-serve.test.ts',
  'flag wasi-evloop serve --transport': 'cli-serve.test.ts',
  'flag wasi-evloop serve --worker': 'cli-start.test.ts: --worker',
  'flag wasi-evloop serve --host': 'cli-serve-host.test.ts',
  'flag wasi-evloop serve --port': 'cli-serve.test.ts',
  'flag wasi-evloop serve --max-conns': 'echo-max-conns.test.ts',
  'flag wasi-evloop serve --max-pending': 'echo-max-pending.test.ts',
  'flag wasi-evloop serve --stall-timeout': ['echo-slow-reader.test.ts', 'echo-stall-default.test.ts'],
  'flag wasi-evloop serve --stop-grace': 'cli-usage.test.ts',
  'flag wasi-evloop serve --verbose': ['echo-verbose.test.ts', 'transport-refused-log.test.ts'],
  'default wasi-evloop serve --backend epoll': 'cli-serve-defaults.test.ts',
  'default wasi-evloop serve --runtime node where it can work': ['cli-serve-defaults.test.ts', 'runtimes-unavailable.test.ts'],
  'default wasi-evloop serve --transport the fastest available': 'cli-serve-defaults.test.ts',
  'default wasi-evloop serve --host 127.0.0.1': 'cli-serve-defaults.test.ts',
  'default wasi-evloop serve --port 7007': 'cli-serve-defaults.test.ts',
  'default wasi-evloop serve --max-pending 1048576': 'echo-max-pending.test.ts: default --max-pending',
  'default wasi-evloop serve --stall-timeout 30000': 'echo-stall-default.test.ts',
  'default wasi-evloop serve --stop-grace 2000': ['run-grace-terminate.test.ts', 'browser-grace-terminate.test.ts'],
  'default --stop-grace 2000': ['run-grace-terminate.test.ts', 'cli-run-signal.test.ts'],
  'output listening on HOST:PORT (backend epoll, runtime node, transport kernel)': 'cli-serve-defaults.test.ts',
  'exit 0 (Command line)': 'cli-serve.test.ts',

  // ---- wasi-evloop run -------------------------------------------------------------
  'flag wasi-evloop run --tcplisten': 'cli-run-flags.test.ts: three --tcplisten',
  'flag wasi-evloop run --env': 'cli-run.test.ts',
  'flag wasi-evloop run --dir': 'cli-run-flags.test.ts: --dir HOST::GUEST',
  'flag wasi-evloop run --runtime': 'cli-run.test.ts',
  'flag wasi-evloop run --transport': 'cli-run.test.ts',
  'flag wasi-evloop run --worker': 'cli-start.test.ts: --worker',
  'flag wasi-evloop run --blocking-accept': 'cli-run-blocking-accept.test.ts',
  'flag wasi-evloop run --stop-grace': 'cli-run-signal.test.ts: run --stop-grace',
  'default wasi-evloop run --runtime node where it can work': ['cli-run-flags.test.ts', 'runtimes-unavailable.test.ts'],
  'default wasi-evloop run --transport the fastest available': 'transport-choice.test.ts',
  'default wasi-evloop run --blocking-accept NONBLOCK': 'cli-run-blocking-accept.test.ts: NONBLOCK listener',
  'default wasi-evloop run --stop-grace 2000': 'run-grace-terminate.test.ts: default --stop-grace',
  'output listening on HOST:PORT': 'cli-run-flags.test.ts: three --tcplisten',
  'exit 134 (Command line)': 'cli-run-flags.test.ts: exit 134',
  'exit 130 (Command line)': 'cli-run-signal.test.ts',
  'exit 143 (Command line)': ['cli-run-signal.test.ts', 'run-grace-terminate.test.ts: exit 143'],
  'exit 128 (What a stop does)': 'cli-run-signal.test.ts',

  // ---- several instances (inst18) ------------------------------------------------------
  'flag wasi-evloop serve --instances': ['cli-instances.test.ts: serve --instances 2', 'instances-auto.test.ts'],
  'flag wasi-evloop serve --max-restarts': 'cli-instances.test.ts: serve --max-restarts',
  'flag wasi-evloop serve --max-memory': 'max-memory.test.ts: serve --max-memory',
  'flag wasi-evloop run --instances': 'cli-instances.test.ts: run --instances 2',
  'flag wasi-evloop run --max-restarts': 'cli-instances.test.ts: run --instances 2 --max-restarts 0',
  'flag wasi-evloop run --max-memory': 'max-memory.test.ts: run --max-memory 16m',
  'default wasi-evloop serve --max-restarts 5': 'cli-instances.test.ts: serve --help and run --help',
  'default wasi-evloop run --max-restarts 5': ['cli-instances.test.ts: the default --max-restarts (5)', 'cli-instances.test.ts: serve --help and run --help'],
  'default maxRestarts 5': 'instances-restart.test.ts: default maxRestarts is 5',
  'default instances 1': 'instances-spread.test.ts: one instance (the default)',
  'output listening on HOST:PORT (instances 2)': 'cli-instances.test.ts: run --instances 2',
  'exit 1 (Several instances)': ['cli-instances.test.ts: status 1', 'max-memory.test.ts: exits 1'],
  'exit 0 (Several instances)': 'cli-instances.test.ts: SIGTERM → exit 0',
  'exit 134 (Several instances)': 'cli-instances.test.ts: status 134',

  // ---- wasi-evloop demo, bad arguments ---------------------------------------------
  'flag wasi-evloop demo --host': 'browser-demo-command.test.ts',
  'flag wasi-evloop demo --port': 'browser-demo-command.test.ts',
  'default wasi-evloop demo --host 127.0.0.1': 'browser-demo-command.test.ts: npx wasi-evloop demo',
  'default wasi-evloop demo --port 7080': 'browser-demo-command.test.ts: npx wasi-evloop demo',
  'output demo on http://H:P/': 'browser-demo-command.test.ts',
  'exit 2 (Command line)': 'cli-usage.test.ts',
  'exit 1 (Command line)': ['cli-usage.test.ts: a port in use', 'transport-choice.test.ts: exit 1'],

  // ---- the API ---------------------------------------------------------------------
  'option serve() backend': 'serve-close.test.ts',
  'option serve() runtime': 'serve-stats.test.ts',
  'option serve() transport': 'serve-stats.test.ts',
  'option serve() host': 'serve-usage.test.ts',
  'option serve() port': 'serve-usage.test.ts',
  'option serve() maxConns': 'echo-max-conns.test.ts',
  'option serve() maxPending': 'echo-max-pending.test.ts',
  'option serve() stallTimeoutMs': 'echo-slow-reader.test.ts',
  'option serve() stopGraceMs': 'serve-usage.test.ts',
  'option serve() verbose': 'echo-verbose.test.ts',
  'option serve() stdout': 'serve-stats.test.ts',
  'option serve() stderr': 'serve-stats.test.ts',
  'default serve() backend epoll': 'serve-defaults.test.ts',
  'default serve() runtime node': 'serve-defaults.test.ts',
  'default serve() host 127.0.0.1': 'serve-defaults.test.ts',
  'default serve() port 7007': 'serve-defaults.test.ts',
  'default serve() stopGraceMs 2000': 'run-abort.test.ts: without stopGraceMs',
  'member Server address': 'serve-defaults.test.ts',
  'member Server backend': 'serve-defaults.test.ts',
  'member Server runtime': 'serve-defaults.test.ts',
  'member Server transport': 'serve-defaults.test.ts',
  'member Server stats': 'serve-stats.test.ts',
  'member Server close': 'serve-close.test.ts',
  'member Server finished': 'serve-defaults.test.ts',
  'option run() tcplisten': 'run-grace-terminate.test.ts',
  'option run() args': 'run-blocking-echo.test.ts',
  'option run() env': 'run-blocking-echo.test.ts',
  'option run() preopens': 'run-preopens.test.ts',
  'option run() runtime': 'run-preopens.test.ts',
  'option run() transport': 'run-grace-terminate.test.ts',
  'option run() blockingAccept': 'run-retry-accept.test.ts',
  'default run() blockingAccept false': 'run-stop-retry-loop.test.ts: without blockingAccept',
  'option run() stopGraceMs': 'run-abort.test.ts',
  'default run() stopGraceMs 2000': 'run-abort.test.ts: without stopGraceMs',
  'option run() name': 'run-trap.test.ts',
  'option run() stdout': 'run-preopens.test.ts',
  'option run() stderr': 'run-preopens.test.ts',
  'option run() onListening': 'process-exit-hook.test.ts',
  'option run() signal': 'run-grace-terminate.test.ts',
  'member WasiEvloopError cause': 'serve-address-in-use.test.ts',
  'error WasiEvloopError': 'serve-address-in-use.test.ts',
  'error UsageError': ['serve-usage.test.ts', 'run-usage.test.ts'],
  'error ListenError': 'serve-address-in-use.test.ts',
  'error AddressInUseError': ['serve-address-in-use.test.ts', 'browser-listen-error.test.ts'],
  'error TransportUnavailableError': 'transport-choice.test.ts',
  'error RuntimeUnavailableError': 'runtimes-unavailable.test.ts',
  'field RuntimeUnavailableError runtime': 'runtimes-unavailable.test.ts',
  'field RuntimeUnavailableError reason': 'runtimes-unavailable.test.ts',
  'field TransportUnavailableError transport': 'transport-choice.test.ts',
  'field TransportUnavailableError reason': 'transport-choice.test.ts',
  'error ModuleLoadError': 'conformance-startup.test.ts',
  'error ModuleTrapError': 'run-trap.test.ts',
  'field ModuleTrapError moduleName': 'run-trap.test.ts',
  'field ModuleTrapError trap': 'run-trap.test.ts',
  'error ModuleExitError': 'browser-errors.test.ts: ModuleExitError',
  'field ModuleExitError exitCode': 'browser-errors.test.ts: ModuleExitError',
  'error ModuleStoppedError': ['run-grace-terminate.test.ts', 'run-stop-retry-loop.test.ts'],

  // ---- modules that open their own sockets (WASIX) ---------------------------------
  'flag wasi-evloop run --allow-connect': 'cli-run-policy.test.ts',
  'flag wasi-evloop run --allow-listen': 'cli-run-policy.test.ts',
  'flag wasi-evloop run --verbose': 'cli-run-policy.test.ts',
  'option run() allowConnect': 'run-policy.test.ts',
  'option run() allowListen': 'run-policy.test.ts',
  'option run() verbose': 'run-policy.test.ts',
  'option run() onStats': 'run-policy.test.ts',
  'member getsockopt SO_ERROR': 'cli-run-echo-client.test.ts: getsockopt(SO_ERROR)',
  'example wasi-evloop run wasm/echo-client.wasm --allow-connect 127.0.0.1:7007 -- --port 7007 --conns 50 --size 64': "cli-run-echo-client.test.ts: the README's",
  'known limit: only TCP (no datagram sockets); on the node-net transport `bind` only records the address (node:net binds when it listens or connects), so an address in use is `listen`\'s or `connect`\'s error there; the virtual network has no Nagle, keep-alive or address reuse to change (those options read back as set) and fixed ring sizes (the buffer sizes read back as they are)': [
    'host-wasix-errors.test.ts',
    'transport-contract-dial.test.ts: an address in use',
    'transport-contract-dial-options.test.ts: flags read back as set',
  ],
  'option browser serve() network': 'browser-dial.test.ts',
  'option browser run() network': 'browser-dial.test.ts',
  'option browser run() allowConnect': 'browser-dial.test.ts',

  // ---- transports ------------------------------------------------------------------
  'default kernel on Linux': ['serve-defaults.test.ts', 'transport-choice.test.ts'],

  // ---- in the browser --------------------------------------------------------------
  'query ?auto=1': 'browser-auto.test.ts',
  'attribute data-backend': 'browser-auto.test.ts',
  'attribute data-status': 'browser-auto.test.ts',
  'attribute data-rps-0': 'browser-auto.test.ts',
  'attribute data-rps-1000': 'browser-auto.test.ts',
  'attribute data-rps-5000': 'browser-auto.test.ts',
  'attribute data-refused': 'browser-auto.test.ts',
  'attribute data-done': 'browser-auto.test.ts',
  'option browser serve() backend': 'browser-echo.test.ts',
  'option browser serve() maxConns': 'browser-errors.test.ts',
  'option browser run() listen': 'browser-run.test.ts',
  'option browser run() args': 'browser-run.test.ts',
  'option browser run() env': 'browser-run.test.ts',
  'option browser run() stdout': 'browser-run.test.ts',
  'option browser run() onListening': 'browser-run.test.ts',
  'default 64 KiB each way': 'transport-virtual-ring-size.test.ts',
  'error VirtualNetworkError': 'browser-errors.test.ts: VirtualNetworkError',
  'member VirtualNetworkError code': 'browser-errors.test.ts: VirtualNetworkError',
  'known limit: `run()` has no directories and an empty stdin': 'browser-run.test.ts: no directories and an empty stdin',
  'env CHROMIUM_PATH': 'prerequisites.test.ts: without Chromium',
  'env FIREFOX_PATH': 'prerequisites.test.ts: without Firefox',
  'attribute data-unavailable': 'browser-unavailable.test.ts',

  // ---- what a stop does ----------------------------------------------------------------
  'limit MAX_STOP_NOTICES 8': 'run-stop-retry-loop.test.ts',
  "known limit: under the `node` runtime a module ended by the terminate leaves its directory descriptors open in the host process (one per `--dir` and per file it had open; node:wasi closes none of them and does not say which OS descriptors they are), so a long-lived process that runs many such modules with `--dir` leaks them": 'run-grace-terminate.test.ts: known limit',

  // ---- the echo core -----------------------------------------------------------------
  'flag build/echo-B --listen': 'native-usage.test.ts',
  'default --max-pending 1048576': 'echo-max-pending.test.ts: default --max-pending',
  'default --stall-timeout 30000': 'echo-stall-default.test.ts',
  'limit FD_SETSIZE 1024': ['select-cap.test.ts', 'browser-select-cap.test.ts'],
  'env WASI_SDK_PATH': 'wasm-reproducible.test.ts',
  'default node': 'serve-defaults.test.ts',
  'env WASI_TESTSUITE': ['conformance.test.ts', 'prerequisites.test.ts: without the WASI test suite'],

  // ---- bench, soak, fuzz ------------------------------------------------------------
  'script npm run bench': 'bench-quick.test.ts',
  'flag npm run bench --quick': 'bench-quick.test.ts',
  'flag npm run bench --servers': 'bench-runtimes.test.ts',
  'flag npm run bench --cases': 'bench-runtimes.test.ts',
  'flag npm run bench --rounds': 'bench-runtimes.test.ts',
  'flag npm run bench --out': 'bench-runtimes.test.ts',
  'example npm run bench -- --servers native-epoll,node-echo,wasm-epoll-kernel,wasm-epoll-kernel@node20,wasm-epoll-kernel@node22,wasm-epoll-kernel@node24,wasm-epoll-kernel@node26,wasm-epoll-kernel@deno,wasm-epoll-kernel@bun --cases rr,stream,scale-5000 --rounds 3 --out build/bench-runtimes': 'bench-runtimes.test.ts',
  'exit 1 (Where it runs)': 'runtimes-unavailable.test.ts',
  'script npm run soak': 'soak-short.test.ts',
  'flag npm run soak --server': 'soak-short.test.ts',
  'flag npm run soak --seconds': 'soak-short.test.ts',
  'flag npm run soak --stall-timeout': 'soak-short.test.ts',
  'flag npm run soak --transport': 'soak-short.test.ts',
  'flag npm run soak --json': 'soak-short.test.ts',
  'flag npm run soak --connect': 'soak-short.test.ts: --connect 127.0.0.1:PORT --pid PID',
  'flag npm run soak --pid': 'soak-short.test.ts: --connect 127.0.0.1:PORT --pid PID',
  'default --seconds 60': 'soak-short.test.ts: --seconds has the README',
  'exit 1 (Reliability)': 'soak-short.test.ts: the soak fails a server',
  'exit 0 (Reliability)': 'soak-short.test.ts',
  'script npm run fuzz': 'host-abi-fuzz.test.ts',
  'flag npm run fuzz --seconds': 'host-abi-fuzz.test.ts: npm run fuzz --',
  'flag npm run fuzz --seed': 'host-abi-fuzz.test.ts: npm run fuzz --',
  'flag npm run fuzz --runtime': 'host-abi-fuzz.test.ts: npm run fuzz --',
  'flag npm run fuzz --transport': 'host-abi-fuzz.test.ts: npm run fuzz --',
};

/** A row's tests: the file (in test/, or '../.ci/run') and, optionally, part of a test's name. */
export function testsOf(row: Row): { file: string; name?: string }[] {
  return (typeof row === 'string' ? [row] : row).map((entry) => {
    const at = entry.indexOf(': ');
    return at < 0 ? { file: entry } : { file: entry.slice(0, at), name: entry.slice(at + 2) };
  });
}
