// What counts as a promise: the rules that pull them out of README.md and out
// of `wasi-evloop --help` (and each command's --help). test/promises.ts maps
// every promise found here to the test that checks it, and
// test/readme-promises.test.ts fails when one has no row, when a row's test
// does not exist or does not mention the promise's name and value, when a row
// names a promise that is no longer made, or when the README and --help
// disagree about a flag or a default.
//
// A promise is keyed by one line of text that names it, e.g.
//   flag wasi-evloop serve --max-pending      a flag in a command's usage
//   default wasi-evloop serve --port 7007     a default (--help), as printed
//   default --max-pending 1 MiB               a default stated in the README's prose
//   option serve() maxConns                   an option of the API
//   default serve() port 7007                 an option's default in the API
//   member Server finished                    a member of a returned object
//   error ModuleExitError                     an error class
//   field TransportUnavailableError reason    a property an error class promises
//   attribute data-rps-0                      a data-* attribute of the lesson page
//   query ?auto=1                             a URL parameter of the lesson page
//   output listening on HOST:PORT             a line the product prints
//   exit 134 (Command line)                   an exit status, per README section
//   limit MAX_STOP_NOTICES 8                  a named limit and its value
//   default 64 KiB each way                   a value the README says is a default
//   known limit: run() has no directories …   a limit the README admits to
//   env CHROMIUM_PATH                         an environment variable
//   script npm run soak                       an npm script
//   example npm start                         a command the README shows in a sh block
// and carries the words a test of it must contain (its name and its value, as
// the README writes them).
//
// The rules read the README's Markdown as text: fenced code blocks, inline
// code spans (`…`, which may wrap a line) and the section (## / ###) each is
// in. They are deliberately few and literal; a README sentence that makes a
// promise in none of these shapes is not seen — write it in one of them.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { REPO } from './servers.js';

export interface Promised {
  key: string;
  /** Strings a test of it must contain (its documented name and value). */
  mentions: string[];
  /** Where it was found: 'README.md (Command line)', 'wasi-evloop serve --help'. */
  source: string;
}

// ---- the README as text: sections, fenced blocks, prose with code spans ----------------

interface Chunk {
  section: string;
  fenced: boolean;
  /** The block's language for a fenced block ('sh', 'ts', ''). */
  lang: string;
  text: string;
}

function chunks(markdown: string): Chunk[] {
  const out: Chunk[] = [];
  let section = '(top)';
  let prose: string[] = [];
  let fence: { lang: string; lines: string[] } | null = null;
  const flush = () => {
    if (prose.length) out.push({ section, fenced: false, lang: '', text: prose.join('\n') });
    prose = [];
  };
  for (const line of markdown.split('\n')) {
    if (fence) {
      if (line.startsWith('```')) {
        out.push({ section, fenced: true, lang: fence.lang, text: fence.lines.join('\n') });
        fence = null;
      } else fence.lines.push(line);
      continue;
    }
    if (line.startsWith('```')) {
      flush();
      fence = { lang: line.slice(3).trim(), lines: [] };
      continue;
    }
    const heading = /^#{2,3} (.+)$/.exec(line);
    if (heading) {
      flush();
      section = heading[1]!.trim();
      continue;
    }
    prose.push(line);
  }
  flush();
  return out;
}

/** Code spans in prose, with what precedes and follows each (whitespace collapsed). */
function codeSpans(text: string): { span: string; before: string; after: string }[] {
  const flat = text.replace(/\s+/g, ' ');
  return Array.from(flat.matchAll(/`([^`]+)`/g), (m) => ({
    span: m[1]!.trim(),
    before: flat.slice(Math.max(0, m.index! - 60), m.index!),
    after: flat.slice(m.index! + m[0].length, m.index! + m[0].length + 80),
  }));
}

/**
 * The flags (--name) of `command` in a piece of usage text. After a lone `--`,
 * wasi-evloop's arguments are the module's, not its flags (npm's `--` is
 * where a script's flags begin).
 */
const flagsIn = (text: string, command: string) => {
  const own = command.startsWith('wasi-evloop ') ? text.split(/(?<!\S)--(?!\S)/)[0]! : text;
  return Array.from(new Set(own.match(/(?<![\w-])--[a-z][a-z0-9-]*/g) ?? []));
};

/** A value a test can be asked to contain: a number or one word (a phrase like "on Linux" is not). */
export const mentionable = (value: string) => /\d/.test(value) || /^\S+$/.test(value);

// ---- the rules -------------------------------------------------------------------

/** Commands whose usage the README shows: each --flag in their usage is a promise. */
const COMMANDS: readonly RegExp[] = [
  /^(?:npx )?(wasi-evloop (?:serve|run|demo))\b/,
  /^(npm run (?:soak|fuzz|bench))\b/,
  /^(build\/echo-)\S*/,
];

function commandOf(line: string): string | null {
  for (const pattern of COMMANDS) {
    const m = pattern.exec(line.trim());
    if (m) return m[1] === 'build/echo-' ? 'build/echo-B' : m[1]!;
  }
  return null;
}

/** The last word of a command: what a test of its flags names too ('serve', 'soak'). */
const commandWord = (command: string) => (command === 'build/echo-B' ? 'build/echo-' : command.split(' ').at(-1)!);

function flagPromise(command: string, flag: string, source: string): Promised {
  return { key: `flag ${command} ${flag}`, mentions: [commandWord(command), flag], source };
}

/** Rule 1: usage in a fenced block (first line names the command) or in a code span that starts with one. */
function usageFlags(chunk: Chunk): Promised[] {
  const source = `README.md (${chunk.section})`;
  if (chunk.fenced) {
    const command = commandOf(chunk.text.split('\n')[0] ?? '');
    if (!command) return [];
    // A block may show the command more than once (e.g. soak's two forms); every line that starts with it counts.
    return chunk.text.split('\n').filter((l) => commandOf(l) === command || l.startsWith(' ')).flatMap((l) => flagsIn(l, command).map((f) => flagPromise(command, f, source)));
  }
  return codeSpans(chunk.text).flatMap(({ span }) => {
    const command = commandOf(span);
    return command ? flagsIn(span, command).map((f) => flagPromise(command, f, source)) : [];
  });
}

/**
 * Rule 2: a code span followed by at most two words and "(default VALUE[, …])"
 * or "(default)": `--max-pending` (default 1048576, 1 MiB), `node` (default).
 * A test of it names it, and the value when the value is a number or a word.
 */
function proseDefaults(chunk: Chunk): Promised[] {
  if (chunk.fenced) return [];
  return codeSpans(chunk.text).flatMap(({ span, after }) => {
    const m = /^(?:\s*[\w]+){0,2}\s*\(default(?: ([^)]+))?\)/.exec(after);
    if (!m) return [];
    const name = /^--[a-z][a-z0-9-]*/.exec(span)?.[0] ?? span;
    // "(default 2000, 0 to 2147483647)": the default is what comes before the first comma.
    const value = m[1]?.split(',')[0]!.trim();
    return [{
      key: value ? `default ${name} ${value}` : `default ${name}`,
      mentions: value && mentionable(value) ? [name, value] : [name],
      source: `README.md (${chunk.section})`,
    }];
  });
}

/** Rule 3: "N UNIT … by default" in prose: a default the README states without a flag. */
function byDefault(chunk: Chunk): Promised[] {
  if (chunk.fenced) return [];
  const flat = chunk.text.replace(/\s+/g, ' ');
  return Array.from(flat.matchAll(/(\d[\d,.]*\s?(?:KiB|MiB|GiB|ms|s)?(?: [a-z]+){0,2}) by default/g), (m) => {
    const phrase = m[1]!.trim();
    const value = /^\d[\d,.]*\s?(?:KiB|MiB|GiB|ms|s)?/.exec(phrase)![0];
    return { key: `default ${phrase}`, mentions: [value], source: `README.md (${chunk.section})` };
  });
}

/**
 * Rule 4: the API. In a ts block, `serve({ … })` and `run(x, { … })`; in
 * prose, the same calls in code spans (the API bullets): each top-level name
 * of the options object is an option, `name = value` a default; in a ts
 * block, each `name:` of the object literal passed. An API in the browser
 * section is keyed `browser serve()`.
 */
function apiOptions(chunk: Chunk): Promised[] {
  const source = `README.md (${chunk.section})`;
  const scope = /browser/i.test(chunk.section) ? 'browser ' : '';
  const found: Promised[] = [];
  // Comments in a block are prose, not options.
  const text = chunk.fenced ? (chunk.lang === 'ts' ? chunk.text.replace(/\/\/.*$|\/\*.*?\*\//gm, '') : '') : chunk.text.replace(/\s+/g, ' ');
  for (const m of text.matchAll(/\b(serve|run)\((?:[^{()]*,\s*)?\{/g)) {
    const body = balanced(text, m.index! + m[0].length - 1);
    if (body === null) continue;
    const fn = `${scope}${m[1]}()`;
    for (const part of topLevelParts(body)) {
      const named = /^([a-zA-Z]\w*)\s*(?:(=)\s*(.+)|:)?$/s.exec(part.trim());
      if (!named) continue;
      const [, name, equals, value] = named;
      found.push({ key: `option ${fn} ${name}`, mentions: [name!], source });
      if (equals) {
        const shown = value!.trim().replace(/^'(.*)'$/, '$1');
        found.push({ key: `default ${fn} ${name} ${shown}`, mentions: [name!, shown], source });
      }
    }
  }
  return found;
}

/** The text inside the braces that open at `open`, or null. */
function balanced(text: string, open: number): string | null {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{' || text[i] === '[' || text[i] === '(') depth++;
    if (text[i] === '}' || text[i] === ']' || text[i] === ')') depth--;
    if (depth === 0) return text.slice(open + 1, i);
  }
  return null;
}

/** "a, b = 1, c: f(x, y)" → ['a', 'b = 1', 'c'] (the name of each top-level entry, `:` values dropped). */
function topLevelParts(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of body) {
    if ('{[('.includes(ch)) depth++;
    if ('}])'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => (/^\s*\w+\s*:/.test(p) ? `${p.split(':')[0]}:` : p)).filter((p) => p.trim() !== '');
}

/** Rule 5: "`Server` with `a`, `b`, … and `c`": the members of a returned object. */
function members(chunk: Chunk): Promised[] {
  if (chunk.fenced) return [];
  const flat = chunk.text.replace(/\s+/g, ' ');
  return Array.from(flat.matchAll(/`(\w+)` with ((?:`[\w()]+`(?:, | and )?)+)/g)).flatMap((m) =>
    Array.from(m[2]!.matchAll(/`(\w+)(\(\))?`/g), (n) => ({
      key: `member ${m[1]} ${n[1]}`,
      mentions: [n[1]!],
      source: `README.md (${chunk.section})`,
    })),
  );
}

/** Rule 6: a code span naming a class that ends in Error; "(`a`, `b` …)" right after it lists its fields. */
function errors(chunk: Chunk): Promised[] {
  if (chunk.fenced) return [];
  return codeSpans(chunk.text).flatMap(({ span, after }) => {
    if (!/^[A-Z][A-Za-z]+Error$/.test(span)) return [];
    const source = `README.md (${chunk.section})`;
    const fields = /^\s*\(((?:`\w+`(?:, )?)+)/.exec(after)?.[1] ?? '';
    return [
      { key: `error ${span}`, mentions: [span], source },
      ...Array.from(fields.matchAll(/`(\w+)`/g), (f) => ({ key: `field ${span} ${f[1]}`, mentions: [span, f[1]!], source })),
    ];
  });
}

/** Rule 7: data-* attributes and URL parameters of the page, as code spans. */
function pageMarks(chunk: Chunk): Promised[] {
  if (chunk.fenced) return [];
  const source = `README.md (${chunk.section})`;
  return codeSpans(chunk.text).flatMap(({ span }) => {
    const attribute = /^\[?(data-[a-z0-9-]+)/.exec(span)?.[1];
    if (attribute) return [{ key: `attribute ${attribute}`, mentions: [attribute], source }];
    if (/^\?\w+=/.test(span)) return [{ key: `query ${span}`, mentions: [span], source }];
    return [];
  });
}

/**
 * Rule 8: a line the product prints: a code span right after "prints", "line"
 * or "line (" (e.g. "prints one stdout line `listening on …`"). A test of it
 * must contain its literal words (the lower-case ones: upper-case words and
 * "…" are placeholders).
 */
function outputLines(chunk: Chunk): Promised[] {
  if (chunk.fenced) return [];
  return codeSpans(chunk.text).flatMap(({ span, before }) => {
    if (!/\b(?:prints|line)(?: \w+){0,2} \(?$/i.test(before)) return [];
    const words = Array.from(new Set(span.match(/(?<![\w.])[a-z][a-z_]{2,}(?![\w.])/g) ?? []));
    return [{ key: `output ${span}`, mentions: words, source: `README.md (${chunk.section})` }];
  });
}

/**
 * Rule 9: exit statuses: "exit N", "exits N", "exit(s) with (status) N", "(N
 * if it trapped)", "128 + the signal's number (A, B)". One promise per number
 * per section: its test must contain the number.
 */
function exitStatuses(chunk: Chunk): Promised[] {
  if (chunk.fenced) return [];
  const flat = chunk.text.replace(/\s+/g, ' ');
  const numbers = new Set<string>();
  for (const m of flat.matchAll(/\bexit(?:s)?(?: with)?(?: status)? (\d{1,3})\b/g)) numbers.add(m[1]!);
  for (const m of flat.matchAll(/\((\d{1,3}) if it trapped\)/g)) numbers.add(m[1]!);
  for (const m of flat.matchAll(/128 \+ the signal's number \(([\d, ]+)\)/g)) for (const n of m[1]!.split(/, ?/)) numbers.add(n.trim());
  return Array.from(numbers, (n) => ({ key: `exit ${n} (${chunk.section})`, mentions: [n], source: `README.md (${chunk.section})` }));
}

/** Rule 10: a named limit and its value: `NAME` (VALUE) or NAME (VALUE), the name in capitals. */
function limits(chunk: Chunk): Promised[] {
  if (chunk.fenced) return [];
  const flat = chunk.text.replace(/\s+/g, ' ');
  return Array.from(flat.matchAll(/`?\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b`? \((\d[^)]*)\)/g), (m) => ({
    key: `limit ${m[1]} ${m[2]}`,
    mentions: [m[2]!],
    source: `README.md (${chunk.section})`,
  }));
}

/** Rule 11: a limit the README admits to: the sentence after "Limits:" or "Known limit:". */
function knownLimits(chunk: Chunk): Promised[] {
  if (chunk.fenced) return [];
  const flat = chunk.text.replace(/\s+/g, ' ');
  return Array.from(flat.matchAll(/\b(?:Limits|Known limit): ([^.]+)\./g), (m) => ({
    key: `known limit: ${m[1]!.trim()}`,
    mentions: [],
    source: `README.md (${chunk.section})`,
  }));
}

/** Rule 12: environment variables a user sets: "`NAME`" in capitals after "or" or "when", or before "is set". */
function environment(chunk: Chunk): Promised[] {
  if (chunk.fenced) return [];
  return codeSpans(chunk.text).flatMap(({ span, before, after }) =>
    /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(span) && (/\b(?:or|when|set)\s*$/.test(before) || /^\s*is set/.test(after))
      ? [{ key: `env ${span}`, mentions: [span], source: `README.md (${chunk.section})` }]
      : [],
  );
}

/** Rule 13: npm scripts, as code spans `npm run X` / `npm start` / `npm test`. */
function scripts(chunk: Chunk): Promised[] {
  const text = chunk.fenced ? '' : chunk.text;
  return codeSpans(text).flatMap(({ span }) => {
    const m = /^npm (?:run (\w+)|(start|test))\b/.exec(span);
    if (!m) return [];
    const name = m[1] ? `npm run ${m[1]}` : `npm ${m[2]}`;
    return [{ key: `script ${name}`, mentions: [m[1] ?? m[2]!], source: `README.md (${chunk.section})` }];
  });
}

/**
 * Rule 14: the README's example commands: each line of a fenced sh block,
 * with its comment (what it promises to do). A test of it runs the command:
 * it contains the command, and the numbers the comment promises (a port).
 */
function examples(chunk: Chunk): Promised[] {
  if (!chunk.fenced || chunk.lang !== 'sh') return [];
  return chunk.text.split('\n').flatMap((line) => {
    const [command, comment = ''] = line.split(/\s+#\s+/, 2) as [string, string?];
    if (!command.trim()) return [];
    const shown = command.trim().replace(/^npm install && /, '');
    return [{
      key: `example ${shown}`,
      mentions: [shown, ...(comment.match(/\b\d{4,5}\b/g) ?? [])],
      source: `README.md (${chunk.section})`,
    }];
  });
}

const RULES = [usageFlags, proseDefaults, byDefault, apiOptions, members, errors, pageMarks, outputLines, exitStatuses, limits, knownLimits, environment, scripts, examples];

export function readmePromises(markdown = readFileSync(`${REPO}README.md`, 'utf8')): Promised[] {
  return dedupe(chunks(markdown).flatMap((chunk) => RULES.flatMap((rule) => rule(chunk))));
}

// ---- --help ----------------------------------------------------------------------

export const CLI_COMMANDS = ['serve', 'run', 'demo'] as const;

/** Each option of `wasi-evloop CMD --help` (commander's layout), and its "(default: X)" when it has one. */
export function parseHelp(command: string, text: string): Promised[] {
  const source = `wasi-evloop ${command} --help`;
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'Options:');
  if (start < 0) return [];
  // An option starts at two spaces and a dash; wrapped description lines are indented further.
  const options: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^ {2}-/.test(line)) options.push(line.trim());
    else if (/^ {3,}\S/.test(line) && options.length) options[options.length - 1] += ` ${line.trim()}`;
    else if (line.trim() === '') break;
  }
  const full = `wasi-evloop ${command}`;
  return options.flatMap((option) => {
    const flag = /(?:^|, )(--[a-z][a-z0-9-]*)/.exec(option)?.[1];
    if (!flag || flag === '--help') return [];
    const found: Promised[] = [flagPromise(full, flag, source)];
    // commander writes "(default: X)", or "default: X" last inside "(choices: …)"; a
    // description may say "(default X)" or "(default X, …)" itself.
    const value = /[(,] ?default:? ("[^"]*"|[^,;)]*)[,;)]/.exec(option)?.[1];
    // A list option's "[]" says nothing a user relies on.
    if (value !== undefined && value !== '[]') {
      const shown = value.replace(/^"(.*)"$/, '$1');
      found.push({ key: `default ${full} ${flag} ${shown}`, mentions: mentionable(shown) ? [flag, shown] : [flag], source });
    }
    return found;
  });
}

export function helpPromises(cli = `${REPO}dist/ts/cli.js`): Promised[] {
  return dedupe(
    CLI_COMMANDS.flatMap((command) => {
      const r = spawnSync(process.execPath, [cli, command, '--help'], { encoding: 'utf8', timeout: 30_000 });
      if (r.status !== 0) throw new Error(`wasi-evloop ${command} --help exited ${r.status}: ${r.stderr}`);
      return parseHelp(command, r.stdout);
    }),
  );
}

function dedupe(found: Promised[]): Promised[] {
  const byKey = new Map<string, Promised>();
  for (const p of found) if (!byKey.has(p.key)) byKey.set(p.key, p);
  return [...byKey.values()];
}
