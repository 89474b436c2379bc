// Bundles the browser build with esbuild into dist/browser/:
//   index.js   the page's API (package export `wasi-evloop/browser`)
//   worker.js  the module's Web Worker (index.js finds it beside itself)
//   demo.js, demo.css  the lesson page's script (web/index.html loads them)
// Run by `npm run build`, `prepare` and `npm test`; nothing is downloaded.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: { index: 'ts/browser/index.ts', worker: 'ts/browser/worker.ts', demo: 'web/demo.ts' },
  outdir: 'dist/browser',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  // A node: import reaching the bundle is a bug in the module graph: fail loudly.
  logLevel: 'warning',
});
