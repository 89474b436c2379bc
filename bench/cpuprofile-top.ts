// Self time by function from V8 .cpuprofile files (node --cpu-prof), one
// table per file: how bench/README.md "Where the time goes" summarises the
// server's threads. The wasm server writes one profile per thread (main and
// the module's worker) into --cpu-prof-dir. --under NAMES adds each named
// function's inclusive time (itself and everything it called), e.g.
// --under pollOneoff,writable,readable,wait,sock_send,sock_recv.
// usage: node dist/bench/cpuprofile-top.js [--top N] [--under NAME,...] FILE.cpuprofile...
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Profile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '15' }, under: { type: 'string', default: '' } },
  allowPositionals: true,
});
const top = Number(values.top);
const under = values.under.split(',').filter(Boolean);
if (!Number.isInteger(top) || top < 1 || positionals.length === 0) {
  console.error('usage: node dist/bench/cpuprofile-top.js [--top N] [--under NAME,...] FILE.cpuprofile...');
  process.exit(2);
}

/** Each name's share of the sampled time with it anywhere on the stack (counted once per sample). */
function inclusive(profile: Profile, names: string[]): Map<string, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const us = new Map(names.map((n) => [n, 0]));
  profile.samples.forEach((id, i) => {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = frames.get(at)!.functionName;
      if (us.has(name) && !seen.has(name)) {
        seen.add(name);
        us.set(name, us.get(name)! + (profile.timeDeltas[i + 1] ?? 0));
      }
    }
  });
  return us;
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
  if (under.length) {
    console.log('  inclusive:');
    for (const [name, us] of inclusive(profile, under)) console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${name} and what it called`);
  }
}
