// The process isolated-run.ts starts: runs one module with run() and reports
// on fd 3. argv: runtime, the module as base64, a directory to preopen as /
// (or '').

import { writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { run, type RuntimeName } from '../../ts/index.js';
import { fdIdentity } from './fd-identity.js';

const REPORT_FD = 3;

const before = [0, 1, 2].map((fd) => fdIdentity(fd));
let outcome: { exit: number } | { error: string; message: string };
try {
  const module = Buffer.from(process.argv[3]!, 'base64');
  const preopens = process.argv[4] ? [`${process.argv[4]}::/`] : [];
  outcome = { exit: await run(module, { runtime: process.argv[2] as RuntimeName, preopens, stdout: 'ignore', stderr: 'ignore' }) };
} catch (error) {
  outcome = { error: (error as Error).name, message: (error as Error).message };
}
// A descriptor the process opens now takes the lowest free number: a closed fd 0-2 shows up reused.
await new Promise<void>((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => server.close(() => resolve()));
});
writeSync(REPORT_FD, JSON.stringify({ outcome, before, after: [0, 1, 2].map((fd) => fdIdentity(fd)) }));
