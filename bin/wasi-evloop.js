#!/usr/bin/env node
// Committed executable, so `npx wasi-evloop` works in a fresh clone without a
// chmod step after the build (which writes dist/ without execute bits). It
// loads the bundled CLI (scripts/build-node.mjs): one file to read and
// compile. CommonJS (bin/package.json), as the bundle is: Node starts a
// CommonJS main sooner than an ES module.
require('../dist/node/cli.cjs');
