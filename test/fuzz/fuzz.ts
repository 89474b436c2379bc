// Runs the host-ABI fuzzer: one session per runtime × transport kind, each in
// a child process (child.ts), one after another. Reads each session's trace
// pipe and turns what it says into a report: totals, or the failure with its
// seed, the calls that led to it and the command that replays it. A session
// that dies, prints anything, or does not end in time is a failure too.

import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { RUNTIMES, type RuntimeName } from '../../ts/runtime/types.js';
import { runsOnStartingThread, TRANSPORTS, transportUnavailable } from '../../ts/transport/kinds.js';
import type { Fault } from './instance.js';
import { MIN_CALLS_OVERTIME, type SessionSummary, type SessionTransport } from './session.js';

/** A session may overrun its share of the time by this much (start-up, the last instance's end). */
const GRACE_MS = 20_000;

/** Trace lines kept for a report when the session itself cannot give one. */
const TAIL = 60;

export interface FuzzOptions {
  /** Total time, shared by the sessions. */
  seconds: number;
  /** The first instance's seed (each session starts from it). */
  seed: number;
  runtimes?: readonly RuntimeName[];
  transports?: readonly SessionTransport[];
  fault?: Fault;
  /**
   * Calls each session makes at least: past its share of the time it goes on
   * until it has made them, for at most MIN_CALLS_OVERTIME times that share
   * (on a loaded machine a session's start can take most of a short share).
   */
  minCalls?: number;
  /** A line of progress (a session starts, ends). */
  log?: (line: string) => void;
}

export interface SessionReport {
  runtime: RuntimeName;
  transport: SessionTransport;
  ok: boolean;
  summary: SessionSummary | null;
  /** The failure, as printed: property, message, seed, replay command, calls. */
  failure: string | null;
  /** The seed of the failing instance. */
  failingSeed: number | null;
}

/**
 * Every transport kind the project has (kinds.ts) that works here, the kernel
 * one also with the module on the session's own thread (as the CLI runs it),
 * and the in-thread memory network.
 */
export async function fuzzableTransports(): Promise<SessionTransport[]> {
  const kinds: SessionTransport[] = [];
  for (const name of TRANSPORTS) {
    if ((await transportUnavailable(name)) !== null) continue;
    kinds.push(name);
    if (runsOnStartingThread(name)) kinds.push(`${name}-here` as SessionTransport);
  }
  return [...kinds, 'memory'];
}

export async function fuzz(o: FuzzOptions): Promise<SessionReport[]> {
  const runtimes = o.runtimes ?? RUNTIMES;
  const transports = o.transports ?? (await fuzzableTransports());
  const pairs = runtimes.flatMap((runtime) => transports.map((transport) => ({ runtime, transport })));
  const seconds = o.seconds / pairs.length;
  const reports: SessionReport[] = [];
  for (const { runtime, transport } of pairs) {
    o.log?.(`${runtime} × ${transport}: ${seconds.toFixed(1)} s from seed ${o.seed}`);
    const report = await session(runtime, transport, { seed: o.seed, seconds, fault: o.fault, minCalls: o.minCalls });
    o.log?.(report.ok ? `${runtime} × ${transport}: ${describeSummary(report.summary!)}` : report.failure!);
    reports.push(report);
  }
  return reports;
}

export function describeSummary(s: SessionSummary): string {
  const counts = (c: Record<string, number>) =>
    Object.entries(c)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  return (
    `${s.calls} calls in ${s.instances} instances (ended: ${counts(s.endings)}); ${s.watchdogStops} watchdog stops (a call still waiting at the end returned: ${counts(s.stoppedCalls) || '-'}); ` +
    `${s.peerActions} peer actions; ${Object.keys(s.perImport).length} imports called; worst overrun past a timeout ${s.worstOverrunMs.toFixed(1)} ms${s.worstOverrunMs > 0 ? ` (${s.worstOverrunCall.slice(0, 160)})` : ''}`
  );
}

interface Failure {
  seed: number;
  property: string;
  message: string;
  trace: string[];
}

function session(runtime: RuntimeName, transport: SessionTransport, o: { seed: number; seconds: number; fault?: Fault; minCalls?: number }): Promise<SessionReport> {
  // The session's stdout and stderr are files, which must stay empty: a module
  // that reached the host process's own descriptors could write to them at an
  // offset, resize or preallocate them (a pipe would refuse and hide that).
  // Its sandbox is here too, so that all of it goes even if the session dies.
  const outputs = mkdtempSync(join(tmpdir(), 'wasi-evloop-fuzz-'));
  const stdio = ['stdout', 'stderr'].map((name) => openSync(join(outputs, name), 'w+'));
  const sandbox = join(outputs, 'sandbox');
  const child = spawn(process.execPath, [fileURLToPath(new URL('./child.js', import.meta.url)), JSON.stringify({ runtime, transport, sandbox, ...o })], {
    stdio: ['ignore', stdio[0]!, stdio[1]!, 'pipe'],
  });
  for (const fd of stdio) closeSync(fd);
  let seed = o.seed;
  let instance = 0;
  const tail: string[] = [];
  let failure: Failure | null = null;
  let summary: SessionSummary | null = null;
  const onLine = (line: string) => {
    const kind = line[0];
    const rest = line.slice(2);
    if (kind === 'C' || kind === 'P') {
      tail.push(kind === 'P' ? `  ${rest}` : rest);
      if (tail.length > TAIL) tail.shift();
    } else if (kind === 'R') {
      // The result of the last call (peer lines, indented, may have come in between).
      for (let i = tail.length - 1; i >= 0; i--) {
        if (tail[i]!.startsWith('  ')) continue;
        tail[i] += ` -> ${rest}`;
        break;
      }
    } else if (kind === 'I') {
      ({ seed, instance } = JSON.parse(rest) as { seed: number; instance: number });
      tail.length = 0;
    } else if (kind === 'F') {
      failure = JSON.parse(rest) as Failure;
    } else if (kind === 'S') {
      summary = JSON.parse(rest) as SessionSummary;
    }
  };
  readLines(child.stdio[3] as Readable, onLine);

  const longest = o.seconds * (o.minCalls ? 1 + MIN_CALLS_OVERTIME : 1);
  const timer = setTimeout(() => child.kill('SIGKILL'), longest * 1000 + GRACE_MS);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const output = ['stdout', 'stderr']
        .map((name) => readFileSync(join(outputs, name), 'latin1'))
        .filter((text) => text !== '')
        .map((text) => `${text.length} bytes: ${JSON.stringify(text.slice(0, 400))}${text.length > 400 ? '...' : ''}`)
        .join(' and ');
      rmSync(outputs, { recursive: true, force: true });
      const replay = `npm run fuzz -- --seed ${failure?.seed ?? seed} --runtime ${runtime} --transport ${transport}`;
      let text: string | null = null;
      let failingSeed: number | null = null;
      const f = failure as Failure | null;
      if (f !== null) {
        failingSeed = f.seed;
        const calls = f.trace.length > 0 ? f.trace : tail;
        text = report(runtime, transport, f.property, f.message, f.seed, instance, replay, calls);
      } else if (code !== 0 || signal !== null || summary === null) {
        failingSeed = seed;
        const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
        text = report(runtime, transport, 'the host process survives', `the process running the module ${how} during the last call below`, seed, instance, replay, tail);
      } else if (output !== '') {
        failingSeed = seed;
        text = report(runtime, transport, "the host process's stdout and stderr stay empty", `they hold ${output}`, seed, instance, replay, tail);
      }
      if (text !== null && output !== '' && f !== null) text += `\n  the process's stdout and stderr also hold ${output}`;
      resolve({ runtime, transport, ok: text === null, summary, failure: text, failingSeed });
    });
  });
}

function report(runtime: string, transport: string, property: string, message: string, seed: number, instance: number, replay: string, calls: readonly string[]): string {
  return [
    `FAIL ${runtime} × ${transport}: ${property}`,
    `  ${message.split('\n').join('\n  ')}`,
    `  seed ${seed} (instance ${instance} of the session); replay: ${replay}`,
    `  the calls, oldest first (the last one failed):`,
    ...calls.map((line) => `    ${line}`),
  ].join('\n');
}

function readLines(stream: Readable, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', start)) {
      onLine(pending.slice(start, nl));
      start = nl + 1;
    }
    pending = pending.slice(start);
  });
}
