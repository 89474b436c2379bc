// npm run fuzz -- [--seconds N] [--seed S] [--runtime R] [--transport T]
// Fuzzes the host ABI (every import of the composed import object) under
// each runtime × transport kind and prints totals, or the first failure of
// each session with its seed and a command that replays it. Exit status 1
// when anything failed.

import { randomInt } from 'node:crypto';
import { Command, Option } from 'commander';
import { RUNTIMES, type RuntimeName } from '../../ts/runtime/types.js';
import { TRANSPORTS } from '../../ts/transport/kinds.js';
import { wholeNumber } from '../helpers/cli-options.js';
import { fuzz, fuzzableTransports } from './fuzz.js';
import { FAULTS, type Fault } from './instance.js';
import type { SessionTransport } from './session.js';

interface Options {
  seconds: number;
  seed?: number;
  runtime?: RuntimeName;
  transport?: SessionTransport;
  fault?: Fault;
}

const program = new Command()
  .name('npm run fuzz --')
  .description(
    'Calls every host import (wasi_snapshot_preview1 and wasix_32v1) with random arguments under each runtime and transport kind, ' +
      'with peers connecting, sending, closing and resetting, and checks after every call that it returned an errno in time ' +
      'and wrote only its out-parameters.',
  )
  .option('--seconds <n>', 'total time, shared by the sessions', wholeNumber(1, 86_400), 30)
  .option('--seed <s>', "the first instance's seed (a failure prints the one to replay it with); default: random", wholeNumber(0, 2 ** 32 - 1))
  .addOption(new Option('--runtime <name>', 'only this runtime').choices(RUNTIMES))
  .addOption(new Option('--transport <kind>', 'only this transport kind').choices([...TRANSPORTS, 'kernel-here', 'memory']))
  .addOption(new Option('--fault <kind>', "break one import on purpose, to see the fuzzer catch it (its own tests use this)").choices(FAULTS).hideHelp())
  .showHelpAfterError("(see 'npm run fuzz -- --help')")
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
program.parse();
const o = program.opts<Options>();

const seed = o.seed ?? randomInt(2 ** 32);
const transports = o.transport !== undefined ? [o.transport] : await fuzzableTransports();
const reports = await fuzz({
  seconds: o.seconds,
  seed,
  runtimes: o.runtime !== undefined ? [o.runtime] : RUNTIMES,
  transports,
  fault: o.fault,
  log: (line) => console.log(line),
});
const failed = reports.filter((r) => !r.ok);
console.log(failed.length === 0 ? `ok: ${reports.length} sessions from seed ${seed}` : `${failed.length} of ${reports.length} sessions failed (seed ${seed})`);
process.exitCode = failed.length === 0 ? 0 : 1;
