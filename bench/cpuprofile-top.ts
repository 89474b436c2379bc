// Self time by function from V8 .cpuprofile files (node --cpu-prof), one
// table per file: how bench/README.md "Where the time goes" summarises the
// server's threads. The wasm server writes one profile per thread (main and
// the module's worker) into --cpu-prof-dir.
// usage: node dist/bench/cpuprofile-top.js [--top N] FILE.cpuprofile...
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Profile {
  nodes: { id: number; callFrame: CallFrame }[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '15' } }, allowPositionals: true });
const top = Number(values.top);
if (!Number.isInteger(top) || top < 1 || positionals.length === 0) {
  console.error('usage: node dist/bench/cpuprofile-top.js [--top N] FILE.cpuprofile...');
  process.exit(2);
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const selfUs = new Map<string, number>();
  // timeDeltas[i + 1] is the time from sample i to the next: sample i's share, as DevTools counts it.
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id)!;
    const name = frame.functionName || '(anonymous)';
    const key = frame.url ? `${name} ${basename(frame.url)}:${frame.lineNumber + 1}` : name;
    selfUs.set(key, (selfUs.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  });
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
  for (const [key, us] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
  }
}
