#!/usr/bin/env node
// Committed executable, so `npx wasi-evloop` works in a fresh clone without a
// chmod step after the build (which writes dist/ without execute bits). It
// loads the bundled CLI (scripts/build-node.mjs): one file to read and compile.
import '../dist/node/cli.js';
