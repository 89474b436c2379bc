// Every promise of README.md and of `wasi-evloop --help` (found by the rules
// in helpers/promise-rules.ts) has a row in test/promises.ts naming the test
// that checks it, and that test exists and uses the promise's documented name
// and value. A promise added without a test, a row left for a promise no
// longer made, and a README that says something else than --help all fail here.
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROMISES, testsOf } from './promises.js';
import { helpPromises, mentionable, readmePromises, type Promised } from './helpers/promise-rules.js';
import { REPO } from './helpers/servers.js';

const readme = readmePromises();
const help = helpPromises();
const all = new Map<string, Promised>();
for (const p of [...readme, ...help]) if (!all.has(p.key)) all.set(p.key, p);

const HOW_TO_ADD = 'add a row to test/promises.ts: the promise\'s key (as printed) → "FILE.test.ts" or "FILE.test.ts: part of the test\'s name"';

test('every promise has a row', () => {
  const missing = [...all.values()].filter((p) => !(p.key in PROMISES)).map((p) => `  ${JSON.stringify(p.key)} (${p.source})`);
  assert.equal(missing, [], `promises with no test (${HOW_TO_ADD}):\n${missing.join('\n')}`);
});

test('every row is a promise still made', () => {
  const stale = Object.keys(PROMISES).filter((key) => !all.has(key)).map((key) => `  ${JSON.stringify(key)}`);
  assert.equal(stale, [], `rows for promises that neither README.md nor --help makes any more (remove them, or mend the README):\n${stale.join('\n')}`);
});

test("every row's test exists and uses the promise's name and value", () => {
  const problems: string[] = [];
  for (const [key, row] of Object.entries(PROMISES)) {
    const promised = all.get(key);
    for (const { file, name } of testsOf(row)) {
      const path = `${REPO}test/${file}`;
      if (!existsSync(path)) {
        problems.push(`${key}: ${file} does not exist`);
        continue;
      }
      const text = readFileSync(path, 'utf8');
      if (name !== undefined && !text.includes(name)) problems.push(`${key}: ${file} has no test named with ${JSON.stringify(name)}`);
      for (const word of promised?.mentions ?? []) {
        if (!text.includes(word)) problems.push(`${key}: ${file} does not mention ${JSON.stringify(word)}`);
      }
      // A documented limit is checked against the README's value: importing the constant would pass whatever it became.
      const limit = /^limit (\w+) /.exec(key)?.[1];
      if (limit && new RegExp(`import\\s*\\{[^}]*\\b${limit}\\b[^}]*\\}\\s*from\\s*'\\.\\./ts/`).test(text)) {
        problems.push(`${key}: ${file} imports ${limit}; test the README's value instead`);
      }
    }
  }
  assert.equal(problems, [], problems.join('\n'));
});

test('README.md and --help name the same flags of wasi-evloop', () => {
  const flags = (list: Promised[]) => new Set(list.filter((p) => p.key.startsWith('flag wasi-evloop ')).map((p) => p.key));
  const inReadme = flags(readme);
  const inHelp = flags(help);
  const onlyReadme = [...inReadme].filter((k) => !inHelp.has(k));
  const onlyHelp = [...inHelp].filter((k) => !inReadme.has(k));
  assert.equal(onlyReadme, [], `in the README's usage, not in --help: ${onlyReadme.join(', ')}`);
  assert.equal(onlyHelp, [], `in --help, not in the README's usage: ${onlyHelp.join(', ')}`);
});

test('every default --help prints is stated in README.md, and every default README.md states for a flag --help prints too', () => {
  const text = readFileSync(`${REPO}README.md`, 'utf8').replace(/\s+/g, ' ');
  const helpDefaults = help.filter((p) => p.key.startsWith('default '));
  const unstated = helpDefaults
    .map((p) => /^default wasi-evloop \w+ (--[\w-]+) (.+)$/.exec(p.key)!)
    .filter(([, , value]) => mentionable(value!) && !text.includes(value!))
    .map(([key]) => key);
  assert.equal(unstated, [], `defaults --help prints that README.md does not state:\n${unstated.join('\n')}`);
  const helpFlags = new Set(help.map((p) => /^flag wasi-evloop \w+ (--[\w-]+)$/.exec(p.key)?.[1]).filter(Boolean));
  const disagree = readme
    .map((p) => /^default (--[\w-]+) (.+)$/.exec(p.key))
    .filter((m): m is RegExpExecArray => m !== null && helpFlags.has(m[1]!))
    .filter(([, flag, value]) => !helpDefaults.some((h) => h.key.includes(` ${flag} `) && value!.startsWith(h.key.split(` ${flag} `)[1]!)))
    .map(([key]) => key);
  assert.equal(disagree, [], `README.md states these defaults; --help does not print the same:\n${disagree.join('\n')}`);
});

test.run();
