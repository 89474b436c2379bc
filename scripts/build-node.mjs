// Bundles the Node build with esbuild into dist/node/, one self-contained
// file per entry point, so that a start reads and compiles one file instead of
// some sixty modules:
//   cli.cjs    the command (bin/wasi-evloop.js loads it)
//   index.js   the API (package export `wasi-evloop`; its types are dist/ts/index.d.ts)
//   worker.js  a module's worker thread (the worker launch finds it beside itself)
// Run by `npm run build`, `prepare` and `npm test`; nothing is downloaded.
//
// What a start may not need (the demo server, the shim runtime, the node-net
// transport, the worker launch) stays behind dynamic imports, which a bundle
// without code splitting turns into code in the same file that runs only when
// first asked for. Node's own modules are made lazy the same way (see
// lazyBuiltins): an ESM bundle would otherwise import all of them at once,
// before its first line, whether the start needs them or not (node:http for
// the demo server alone costs more than the rest of the CLI's start).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/**
 * The CLI is CommonJS (cli.cjs): Node starts a CommonJS main some 30 ms
 * sooner than an ES module one (no ESM loader to set up, no module graph to
 * link). The API stays an ES module for its importers; the worker's entry too,
 * as the launch finds it beside itself by import.meta.url.
 */
const ENTRIES = [
  { name: 'cli', entry: 'ts/cli.ts', format: 'cjs' },
  { name: 'index', entry: 'ts/index.ts', format: 'esm' },
  { name: 'worker', entry: 'ts/runtime/worker.ts', format: 'esm' },
];
/** What each format needs first: ESM a require (for the lazy builtins and commander), CommonJS an import.meta.url. */
const PRELUDE = {
  esm: "import { createRequire as __wasiEvloopRequire } from 'node:module'; const require = __wasiEvloopRequire(import.meta.url);",
  cjs: "const __wasiEvloopImportMetaUrl = require('node:url').pathToFileURL(__filename).href;",
};

/**
 * Each `node:` module becomes a small CommonJS module of the bundle that
 * requires the real one: it is loaded when the first module that imports it
 * initializes, which for code behind a dynamic import is when that code is
 * first used. commander (CommonJS) requires node:child_process when it loads,
 * for subcommands this CLI does not have: for a `require` of that one, the
 * module is a stand-in that loads it at its first use.
 */
const LOADED_AT_FIRST_USE = new Set(['node:child_process']);
/** Node modules not already loaded when Node starts, and not needed by every start: the rest are imported as usual. */
const LAZY = new Set(['node:child_process', 'node:crypto', 'node:dns/promises', 'node:fs/promises', 'node:http', 'node:net', 'node:wasi', 'node:worker_threads']);
const lazyBuiltins = {
  name: 'lazy-node-builtins',
  setup(builder) {
    builder.onResolve({ filter: /^node:/ }, (args) => {
      if (args.namespace === 'node-builtin' || !LAZY.has(args.path)) return { path: args.path, external: true };
      const atFirstUse = args.kind === 'require-call' && LOADED_AT_FIRST_USE.has(args.path);
      return { path: args.path, namespace: 'node-builtin', pluginData: { atFirstUse } };
    });
    builder.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      contents: args.pluginData?.atFirstUse
        ? `let loaded; const load = () => (loaded ??= require(${JSON.stringify(args.path)}));\n` +
          'module.exports = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });'
        : `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

rmSync(`${root}dist/node`, { recursive: true, force: true });
await Promise.all(
  ENTRIES.map(({ name, entry, format }) =>
    build({
      absWorkingDir: root,
      entryPoints: { [name]: entry },
      outdir: 'dist/node',
      outExtension: { '.js': format === 'cjs' ? '.cjs' : '.js' },
      bundle: true,
      format,
      platform: 'node',
      target: 'node20',
      plugins: [lazyBuiltins],
      banner: { js: PRELUDE[format] },
      define: format === 'cjs' ? { 'import.meta.url': '__wasiEvloopImportMetaUrl' } : {},
      sourcemap: true,
      // Less to read and to hash; the names stay, so stack traces still read.
      minifyWhitespace: true,
      minifySyntax: true,
      logLevel: 'warning',
    }),
  ),
);

/**
 * V8's code cache for the CLI (bin/wasi-evloop.js offers it to V8), made from
 * a run of the CLI along its start: the echo core run without a listener goes
 * through parsing, the transport, the runtime and the module's start, and
 * exits with its usage error. It holds what this Node's V8 compiled; a Node
 * with another V8 refuses it and compiles the bundle itself. Should that run
 * go otherwise, the CLI goes without (one line says so).
 */
const out = `${root}dist/node/cli.cjs.v8cache`;
const cacheRun = spawnSync(process.execPath, [`${root}bin/wasi-evloop.js`, 'run', `${root}wasm/echo-epoll.wasm`], {
  env: { ...process.env, WASI_EVLOOP_CODE_CACHE_OUT: out },
  encoding: 'utf8',
  timeout: 60_000,
});
if (cacheRun.status !== 2 || !/no listening socket at fd 3/.test(cacheRun.stderr) || !existsSync(out)) {
  rmSync(out, { force: true });
  console.error(`build-node: no code cache for the CLI (its run ended with ${cacheRun.status}: ${cacheRun.stderr.trim().split('\n')[0]}); it starts a little slower without`);
}
