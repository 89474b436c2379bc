#!/usr/bin/env node
// Committed executable, so `npx wasi-evloop` works in a fresh clone without a
// chmod step after `tsc` (which writes dist/ without execute bits).
import '../dist/ts/cli.js';
