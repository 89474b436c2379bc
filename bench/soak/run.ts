// npm run soak -- [--server KIND | --connect 127.0.0.1:PORT [--pid PID]] [--seconds N]
// A hostile-peer soak of one echo server: every scenario runs concurrently
// for --seconds, then the server is watched idle, then stopped. Prints one
// table; exits 1 on any lost or wrong byte, client error, leak or spin, and
// 2 on bad arguments.
import { writeFileSync } from 'node:fs';
import type net from 'node:net';
import { Command, InvalidArgumentError, Option } from 'commander';
import { wholeNumber } from '../../test/helpers/cli-options.js';
import { sleep } from '../../test/helpers/echo-client.js';
import { killAllChildren } from '../servers.js';
import { scenarioFigures, type Figures } from './figures.js';
import { probe } from './probe.js';
import { scenarios } from './scenarios.js';
import type { SoakContext } from './scenario.js';
import { renderTable } from './table.js';
import { connectTarget, serverKindNames, startTarget, type Target } from './target.js';
import { Tally } from './tally.js';
import { FD_SLACK, judge } from './verdict.js';

const SAMPLE_EVERY_MS = 1000;
const IDLE_WINDOW_MS = 2000;
// After the load: how long the server gets to close what the clients closed.
const FD_SETTLE_MS = 5000;
// After the deadline: how long what is under way may take to finish. Beyond
// the never-reader's wait (2 × its drop limit) and a half-close's echo bound.
const drainBoundMs = (stallTimeoutMs: number): number => Math.max(45_000, 3 * stallTimeoutMs + 15_000);

interface Options {
  server: string;
  connect?: { port: number };
  pid?: number;
  seconds: number;
  stallTimeout: number;
  transport?: string;
  json?: string;
}

function loopbackAddress(text: string): { port: number } {
  const match = /^(127\.0\.0\.1|localhost):(\d{1,5})$/.exec(text);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    throw new InvalidArgumentError('expected 127.0.0.1:PORT (the soak only talks to this machine).');
  }
  return { port: Number(match[2]) };
}

function parseOptions(): Options {
  const program = new Command()
    .name('npm run soak --')
    .description(
      'Hostile-peer soak of one echo server: integrity streams, slowloris, never-reading clients, RST storms, ' +
        'connection churn and big half-closes, all at once; then idle CPU, fds and RSS are judged.',
    )
    .addOption(new Option('--server <kind>', 'server kind to start (as in bench/servers.ts)').choices(serverKindNames()).default('wasm-epoll'))
    .addOption(new Option('--connect <address>', 'soak a server that is already running, at 127.0.0.1:PORT').argParser(loopbackAddress).conflicts(['server', 'transport']))
    .addOption(new Option('--pid <pid>', "with --connect: the server's process id, for RSS, CPU and fd figures").argParser(wholeNumber(1, 2 ** 22)))
    .option('--seconds <n>', 'how long the load runs', wholeNumber(1, 86_400), 60)
    .option(
      '--stall-timeout <ms>',
      "the server's --stall-timeout: given to a server the soak starts; with --connect, the one the server was started with (0: it never drops)",
      wholeNumber(0, 86_400_000),
      2000,
    )
    .option('--transport <kind>', 'wasm servers: passed on as `wasi-evloop serve --transport <kind>`')
    .option('--json <file>', 'also write every figure as JSON')
    .showHelpAfterError("(see 'npm run soak -- --help')")
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  program.parse();
  const options = program.opts<Options>();
  if (options.pid !== undefined && !options.connect) {
    program.error('error: --pid goes with --connect (a server the soak starts is measured anyway)');
  }
  return options;
}

async function openTarget(o: Options): Promise<Target> {
  if (o.connect) return connectTarget(o.connect.port, o.pid, o.stallTimeout);
  return startTarget(o.server, o.stallTimeout, o.transport);
}

async function soak(o: Options, target: Target): Promise<Figures> {
  const pid = target.pid;
  const before = pid === null ? null : probe(pid);
  const gone = (): string | null => target.ended() ?? (pid !== null && probe(pid) === null ? `process ${pid} is gone` : null);

  const started = Date.now();
  const sockets = new Set<net.Socket>();
  const runs = scenarios.map((scenario) => {
    const ctx: SoakContext = {
      port: target.port,
      deadline: started + o.seconds * 1000,
      stallTimeoutMs: target.stallTimeoutMs,
      tally: new Tally(),
      sockets,
    };
    const state = { done: false };
    const finished = scenario.run(ctx).then(
      () => (state.done = true),
      (error: unknown) => {
        state.done = true;
        ctx.tally.error(`${scenario.name}: ${(error as Error)?.stack ?? String(error)}`);
      },
    );
    return { scenario, ctx, state, finished };
  });

  const rss: Figures['rss'] = [];
  let fdsPeak: number | null = before?.fds ?? null;
  let endedDuringRun: string | null = null;
  const sampler = setInterval(() => {
    endedDuringRun ??= gone();
    // A dead server would only turn the rest of the run into connect errors.
    if (endedDuringRun) for (const run of runs) run.ctx.deadline = Math.min(run.ctx.deadline, Date.now());
    const sample = pid === null ? null : probe(pid);
    if (!sample || Date.now() > started + o.seconds * 1000) return;
    rss.push({ s: Math.round((Date.now() - started) / 1000), kib: sample.rssKiB });
    fdsPeak = Math.max(fdsPeak ?? 0, sample.fds);
  }, SAMPLE_EVERY_MS);

  const all = Promise.all(runs.map((r) => r.finished));
  const bound = started + o.seconds * 1000 + drainBoundMs(target.stallTimeoutMs);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, bound - Date.now())))]);
  clearTimeout(timer);
  const unfinished = runs.filter((r) => !r.state.done).map((r) => r.scenario.name);
  if (unfinished.length) {
    for (const socket of sockets) socket.destroy();
    await Promise.race([all, sleep(5000)]);
  }
  clearInterval(sampler);
  endedDuringRun ??= gone();

  // The load is over: give the server a moment to close what the clients closed.
  let after = pid === null ? null : probe(pid);
  const settleBy = Date.now() + FD_SETTLE_MS;
  while (after && before && after.fds > before.fds + FD_SLACK && Date.now() < settleBy) {
    await sleep(100);
    after = probe(pid!);
  }
  let idleCpuPercent: number | null = null;
  if (after) {
    await sleep(IDLE_WINDOW_MS);
    const later = probe(pid!);
    if (later) {
      idleCpuPercent = ((later.cpuMs - after.cpuMs) / IDLE_WINDOW_MS) * 100;
      after = later;
    }
  }
  endedDuringRun ??= gone();
  const stop = endedDuringRun ? null : await target.stop();

  return {
    target: target.label,
    notes: target.notes,
    seconds: o.seconds,
    stallTimeoutMs: target.stallTimeoutMs,
    scenarios: runs.map((r) => scenarioFigures(r.scenario.name, r.scenario.load, r.ctx.tally)),
    rss,
    rssAfterKiB: after?.rssKiB ?? null,
    fdsBefore: before?.fds ?? null,
    fdsPeak,
    fdsAfter: after?.fds ?? null,
    idleCpuPercent,
    endedDuringRun,
    unfinished,
    stop,
  };
}

function report(f: Figures): boolean {
  const rows = judge(f);
  const lines = [
    `soak: ${f.target}, load for ${f.seconds} s`,
    ...f.notes.map((note) => `  ${note}`),
    ...f.scenarios.map((s) => `  ${s.name}: ${s.load}`),
    '',
    renderTable(rows),
  ];
  const errors = f.scenarios.flatMap((s) => s.firstErrors);
  if (errors.length) lines.push('', 'first errors:', ...errors.map((e) => `  ${e}`));
  const failed = rows.filter((r) => r.ok === false).map((r) => r.check);
  lines.push('', failed.length ? `soak: FAILED (${failed.join(', ')})` : 'soak: passed');
  process.stdout.write(`${lines.join('\n')}\n`);
  return failed.length === 0;
}

async function main(): Promise<number> {
  const options = parseOptions();
  // The whole run stops by itself: load, drain bound, fd settling, idle window, stop.
  const watchdogMs = options.seconds * 1000 + drainBoundMs(options.stallTimeout) + 60_000;
  setTimeout(() => {
    process.stderr.write(`soak: still running ${watchdogMs} ms after it started; giving up\n`);
    killAllChildren();
    process.exit(1);
  }, watchdogMs).unref();

  let target: Target;
  try {
    target = await openTarget(options);
  } catch (error) {
    process.stderr.write(`soak: cannot start the server: ${(error as Error).message}\n`);
    return 1;
  }
  const figures = await soak(options, target);
  if (options.json) writeFileSync(options.json, `${JSON.stringify(figures, null, 2)}\n`);
  return report(figures) ? 0 : 1;
}

process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAllChildren();
    process.stderr.write(`\nsoak: stopped by ${signal}\n`);
    process.exit(130);
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    killAllChildren();
    process.stderr.write(`soak: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
