// Several instances of the echo core (`wasi-evloop serve --instances N`) under
// the same load: 1 vs 2 vs auto, interleaved in rounds. For each: req/s, the
// server's CPU per request (all its threads, from /proc: less sensitive to a
// shared machine than req/s), and how the connections spread across the
// instances (each instance's stats line at SIGTERM: accepted=…). On a machine
// with fewer cores than instances + load generator, req/s says little; CPU per
// request says whether the host adds a shared cost per instance.
//
// usage: node dist/bench/instances.js [--rounds R] [--seconds S] [--conns C] [--counts 1,1-worker,2,auto] [--json FILE]

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { buildLoadgen, runLoadgen, type LoadSpec } from './loadgen.js';
import { repoRoot, track } from './servers.js';

interface Options {
  rounds: number;
  seconds: number;
  conns: number;
  counts: string[];
  json: string | null;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { rounds: 3, seconds: 4, conns: 200, counts: ['1', '1-worker', '2', 'auto'], json: null };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--rounds') options.rounds = Number(value);
    else if (flag === '--seconds') options.seconds = Number(value);
    else if (flag === '--conns') options.conns = Number(value);
    else if (flag === '--counts') options.counts = value.split(',');
    else if (flag === '--json') options.json = value;
    else throw new Error(`unknown option ${flag}; usage: node dist/bench/instances.js [--rounds R] [--seconds S] [--conns C] [--counts 1,2,auto] [--json FILE]`);
    i++;
  }
  return options;
}

interface Sample {
  instances: string;
  reqPerS: number;
  cpuUsPerReq: number;
  serverCpuPct: number;
  /** Connections each instance accepted (the load generator's, and its pings). */
  accepted: number[];
}

/** `wasi-evloop serve --instances N` on port 0: its pid, port, and a stop that gives its stderr. */
async function startServer(count: string): Promise<{ pid: number; port: number; stop(): Promise<string> }> {
  // '1-worker': one instance in a worker thread, as serve() runs it and as every instance of several runs.
  const flags = count === '1-worker' ? ['--instances', '1', '--worker'] : ['--instances', count];
  const child = spawn(process.execPath, [`${repoRoot}bin/wasi-evloop.js`, 'serve', '--port', '0', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  let match: RegExpExecArray | null = null;
  while ((match = /listening on 127\.0\.0\.1:(\d+)/.exec(stdout)) === null) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the server did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    pid: child.pid!,
    port: Number(match[1]),
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      return stderr;
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(count: string, spec: LoadSpec): Promise<Sample> {
  const server = await startServer(count);
  try {
    const result = await runLoadgen(spec, server.port, server.pid, []);
    if (!result.ok || result.requests === undefined) throw new Error(`the load failed: ${JSON.stringify(result)}`);
    const stderr = await server.stop();
    const accepted = [...stderr.matchAll(/stats: accepted=(\d+) /g)].map((m) => Number(m[1]));
    return {
      instances: count,
      reqPerS: result.req_per_s!,
      cpuUsPerReq: ((result.server_user_s! + result.server_sys_s!) * 1e6) / result.requests,
      serverCpuPct: result.server_cpu_pct!,
      accepted,
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  buildLoadgen();
  const spec: LoadSpec = { mode: 'rr', conns: options.conns, size: 64, warmupS: 1, durationS: options.seconds, connectBudgetS: 10, pingBudgetS: 10 };
  const samples: Sample[] = [];
  const load = [loadavg()];
  for (let round = 0; round < options.rounds; round++) {
    for (const count of options.counts) {
      const sample = await measure(count, spec);
      samples.push(sample);
      process.stderr.write(`round ${round + 1} instances ${count}: ${Math.round(sample.reqPerS)} req/s, ${sample.cpuUsPerReq.toFixed(1)} µs CPU/request, accepted ${sample.accepted.join(' / ')}\n`);
    }
  }
  load.push(loadavg());

  const rows = options.counts.map((count) => {
    const mine = samples.filter((s) => s.instances === count);
    const instances = mine[0]!.accepted.length;
    // How far the busiest and the idlest instance are from an even share, over every round.
    const deviations = mine.flatMap((s) => {
      const total = s.accepted.reduce((a, b) => a + b, 0);
      const even = total / s.accepted.length;
      return s.accepted.map((n) => (n - even) / even);
    });
    return {
      count,
      instances,
      reqPerS: median(mine.map((s) => s.reqPerS)),
      cpuUsPerReq: median(mine.map((s) => s.cpuUsPerReq)),
      serverCpuPct: median(mine.map((s) => s.serverCpuPct)),
      spread: instances > 1 ? { min: Math.min(...deviations), max: Math.max(...deviations) } : null,
      accepted: mine.map((s) => s.accepted),
    };
  });
  const base = rows.find((r) => r.count === '1');
  console.log(`${availableParallelism()} cores available (${cpus()[0]?.model ?? 'unknown'}), load average ${load[0]!.map((l) => l.toFixed(2)).join(' / ')} → ${load[1]!.map((l) => l.toFixed(2)).join(' / ')}`);
  console.log(`rr, ${options.conns} connections × 64 B, ${options.rounds} interleaved rounds × ${options.seconds} s, medians; the server unpinned, the load generator on the same cores`);
  console.log('| --instances | instances | req/s | server CPU per request, µs | × 1 instance | server CPU, % of a core | spread: each instance vs an even share |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of rows) {
    const ratio = base ? (r.cpuUsPerReq / base.cpuUsPerReq).toFixed(2) + '×' : '—';
    const spread = r.spread ? `${(r.spread.min * 100).toFixed(0)} % to +${(r.spread.max * 100).toFixed(0)} %` : '—';
    console.log(`| ${r.count} | ${r.instances} | ${Math.round(r.reqPerS).toLocaleString('en')} | ${r.cpuUsPerReq.toFixed(1)} | ${ratio} | ${Math.round(r.serverCpuPct)} | ${spread} |`);
  }
  if (options.json) writeFileSync(options.json, JSON.stringify({ started: new Date().toISOString(), cores: availableParallelism(), load, options, samples, rows }, null, 2) + '\n');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
