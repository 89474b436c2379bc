// Measures what a wasm server pays before its first line of C runs: compiling
// the module and instantiating it, in a fresh process so that V8's in-process
// module cache cannot hide the compile. Imports are stubs: instantiation only
// links them; nothing calls them because `_start` is never invoked.
// usage: node dist/bench/wasm-startup.js MODULE.wasm   → one JSON line
import { readFileSync } from 'node:fs';

const path = process.argv[2];
if (!path || process.argv.length !== 3) {
  console.error('usage: wasm-startup MODULE.wasm');
  process.exit(2);
}
const bytes = readFileSync(path);

const t0 = performance.now();
const module = await WebAssembly.compile(bytes);
const t1 = performance.now();

const imports: WebAssembly.Imports = {};
for (const entry of WebAssembly.Module.imports(module)) {
  if (entry.kind !== 'function') {
    console.error(`wasm-startup: cannot stub a ${entry.kind} import (${entry.module}.${entry.name})`);
    process.exit(1);
  }
  const space = (imports[entry.module] ??= {});
  space[entry.name] = () => {
    throw new Error(`${entry.module}.${entry.name} is a stub`);
  };
}
const t2 = performance.now();
await WebAssembly.instantiate(module, imports);
const t3 = performance.now();

process.stdout.write(
  JSON.stringify({ bytes: bytes.length, compile_ms: t1 - t0, instantiate_ms: t3 - t2 }) + '\n',
);
