// One module instance under fuzzing, on the module's thread, built the way
// ts/runtime/worker.ts builds a real one: a runtime (node:wasi or
// browser_wasi_shim), a transport's module half, a SocketHost, the composed
// imports. The module is a shell that exports a memory and a _start that
// hands control to the Driver, so every call is made while the runtime is
// started, exactly as from wasm. The instance ends when the driver's budget
// is spent, or by proc_exit, proc_raise, or a stop (ModuleStopped).

import wabt from 'wabt';
import { composeImports, SocketHost, systemClock, type Clock, type ComposedImports } from '../../ts/host/index.js';
import { ControlBlock } from '../../ts/transport/control-block.js';
import { openModuleHalf } from '../../ts/transport/kinds.js';
import { MemoryNetwork } from '../../ts/transport/memory/network.js';
import type { ModuleHalfInit, SocketTransport } from '../../ts/transport/types.js';
import { createNodeRuntime } from '../../ts/runtime/node.js';
import { createShimRuntime } from '../../ts/runtime/shim.js';
import type { RuntimeConfig, RuntimeName } from '../../ts/runtime/types.js';
import { IMPORTS, type Arg } from './abi.js';
import { DescriptorModel } from './descriptors.js';
import { Driver, REAL_SLACK_MS, WATCHDOG_MS, type Ending } from './driver.js';
import { ArgumentGenerator } from './generate.js';
import { MemoryPeers } from './memory-peers.js';
import { Progress, wallNow } from './progress.js';
import { deriveSeed, Rng } from './rng.js';
import { FuzzFailure, Trace } from './trace.js';

const LISTENERS = 2;
const INITIAL_PAGES = 2;
const MAX_PAGES = 4;
/** The memory network's clock is virtual: a call returns within a millisecond of its timeout, exactly. */
const VIRTUAL_SLACK_MS = 1;
/** How long the 'stall' fault sleeps: past every limit the session watches. */
const STALL_MS = 5000;
/** How often the memory network's watchdog looks (virtual ms). */
const WATCHDOG_TICK_MS = 50;

const SHELL_WAT = `(module
  (import "fuzz" "run" (func $run))
  (memory (export "memory") ${INITIAL_PAGES} ${MAX_PAGES})
  (func (export "_start") call $run))`;

let shell: WebAssembly.Module | null = null;

async function shellModule(): Promise<WebAssembly.Module> {
  if (shell === null) {
    const parsed = (await wabt()).parseWat('fuzz-shell.wat', SHELL_WAT);
    shell = new WebAssembly.Module(new Uint8Array(parsed.toBinary({}).buffer));
    parsed.destroy();
  }
  return shell;
}

/** A fault put into one import on purpose, to show that the fuzzer catches it (test/host-abi-fuzz.test.ts). */
export type Fault = 'scribble' | 'errno' | 'throw' | 'stall' | 'crash';
export const FAULTS: readonly Fault[] = ['scribble', 'errno', 'throw', 'stall', 'crash'];

/** 'real': a kind with an owner half; `ports` are its listeners' (the only ports its policy lets the module connect to). */
export type InstanceTransport = { kind: 'memory' } | { kind: 'real'; init: ModuleHalfInit; control: SharedArrayBuffer; ports: number[] };

export interface InstanceSpec {
  seed: number;
  runtime: RuntimeName;
  transport: InstanceTransport;
  /** The preopened directory (reset by the session). */
  sandbox: string;
  /** wallNow() at which to stop calling. */
  deadline: number;
  fault?: Fault;
}

export interface InstanceResult {
  seed: number;
  calls: number;
  ending: Ending | 'budget';
  worstOverrunMs: number;
  worstOverrunCall: string;
  peerActions: number;
  perImport: Record<string, number>;
  /** The memory network's watchdog stopped the module (the session's own watchdog stops the others). */
  watchdogStopped: boolean;
  /** What the calls waiting when the watchdog ended the module returned, by errno name (ModuleStopped: they ended it). */
  stoppedCalls: Record<string, number>;
  failure?: { property: string; message: string; trace: string[] };
}

export interface InstanceIo {
  progress: Progress;
  /** The session's trace pipe (a line per call, before it runs), or null. */
  sink: ((line: string) => void) | null;
  /** The process's fds no call may touch. */
  processFds: readonly number[];
}

const ARGS = ['fuzz', 'arg-one', 'ärg two', ''];
const ENV = { FUZZ: '1', EMPTY: '', LONG: 'v'.repeat(200) };

export async function runInstance(spec: InstanceSpec, io: InstanceIo): Promise<InstanceResult> {
  const rng = new Rng(spec.seed);
  const trace = new Trace(io.sink);
  const config: RuntimeConfig = {
    args: ARGS,
    env: ENV,
    preopens: [{ guest: '/sandbox', host: spec.sandbox }],
    stdout: 'ignore',
    stderr: 'ignore',
    onOutput: () => {},
  };
  const runtime = spec.runtime === 'node' ? await createNodeRuntime(config) : createShimRuntime(config);

  let net: MemoryNetwork | null = null;
  let transport: SocketTransport;
  let control: ControlBlock;
  let clock: Clock;
  let now: () => number;
  let ports: number[];
  let policy: { connect: string[]; listen: string[] };
  if (spec.transport.kind === 'memory') {
    net = new MemoryNetwork({
      listeners: LISTENERS,
      bufferSize: rng.pick([64, 4096, 64 * 1024]),
      backlog: rng.pick([1, 4, 128]),
    });
    transport = net;
    control = net.control;
    clock = net.clock;
    const virtual = net;
    now = () => virtual.now();
    ports = net.listeners.map((handle) => (virtual.localAddress(handle) as { port: number }).port);
    // Nothing leaves this thread: connects and listens anywhere on loopback.
    policy = { connect: ['127.0.0.1:*', '[::1]:*'], listen: ['127.0.0.1:*', '[::1]:*'] };
  } else {
    control = new ControlBlock(spec.transport.control);
    transport = await openModuleHalf(spec.transport.init, control);
    clock = systemClock;
    now = wallNow;
    ports = spec.transport.ports;
    // Real sockets on a shared machine: connects only to the instance's own
    // listeners, listens only on a port the kernel picks.
    policy = { connect: ports.map((port) => `127.0.0.1:${port}`), listen: ['127.0.0.1:0', '[::1]:0'] };
  }
  if (transport.listeners.length !== LISTENERS) throw new Error(`the transport opened ${transport.listeners.length} listeners, not ${LISTENERS}`);

  const internalErrors: unknown[] = [];
  const host = new SocketHost(transport, {
    control,
    clock,
    maxFds: rng.pick([8, 12, 65536]),
    policy,
    // As run() hands them over by default (NONBLOCK), or with blockingAccept;
    // from the seed, not the generator, so that the calls a seed makes stay the same.
    blockingListeners: spec.seed % 2 === 1,
    onInternalError: (error) => internalErrors.push(error),
  });
  const composed = composeImports(runtime.imports, runtime.layout, host);
  let memory: WebAssembly.Memory | null = null;
  const imports = withFault(flatten(composed), spec.fault, trace, () => memory!);

  const result: InstanceResult = {
    seed: spec.seed,
    calls: 0,
    ending: 'budget',
    worstOverrunMs: 0,
    worstOverrunCall: '',
    peerActions: 0,
    perImport: {},
    watchdogStopped: false,
    stoppedCalls: {},
  };
  let driver: Driver | null = null;
  let peers: MemoryPeers | null = null;
  let ended = false;
  try {
    const missing = [...Object.keys(IMPORTS).filter((name) => !(name in imports)), ...Object.keys(imports).filter((name) => !(name in IMPORTS))];
    if (missing.length > 0) throw new FuzzFailure('every import is fuzzed', `no import or no signature for: ${missing.join(', ')} (test/fuzz/abi.ts lists every import)`);
    const instance = new WebAssembly.Instance(await shellModule(), { fuzz: { run: () => driver!.run() } });
    memory = instance.exports.memory as WebAssembly.Memory;
    new Uint8Array(memory.buffer).set(rng.bytes(memory.buffer.byteLength));
    host.setMemory(memory);
    const model = new DescriptorModel(LISTENERS, config.preopens.length);
    peers = net === null ? null : new MemoryPeers(net, new Rng(deriveSeed(spec.seed, 1)), (line) => trace.note(line));
    driver = new Driver({
      imports,
      memory,
      rng,
      model,
      generator: new ArgumentGenerator({ rng, memory, model, clock, vectors: vectorSizes(), ports }),
      clock,
      now,
      control,
      progress: io.progress,
      trace,
      peers,
      internalErrors,
      writeContext: { args: ARGS, env: Object.entries(ENV).map(([k, v]) => `${k}=${v}`) },
      maxCalls: rng.range(100, 3000),
      deadline: spec.deadline,
      slackMs: net === null ? REAL_SLACK_MS : VIRTUAL_SLACK_MS,
      maxPages: MAX_PAGES,
      processFds: io.processFds,
    });
    if (net !== null) startWatchdog(net, driver, trace, () => ended);
    runtime.start(instance);
  } catch (error) {
    const ending = driver?.ending ?? null;
    // proc_exit ends start() without an exception; proc_raise and a stop end it with one.
    if (ending !== 'proc_raise' && ending !== 'stopped') {
      const failure = error instanceof FuzzFailure ? error : new FuzzFailure('the module runs', `the instance failed: ${error instanceof Error ? error.stack : String(error)}`);
      result.failure = { property: failure.property, message: failure.message, trace: trace.tail(80) };
    }
  } finally {
    ended = true;
    host.closeSockets();
    transport.end();
  }
  if (driver !== null) {
    result.calls = driver.calls;
    result.ending = driver.ending ?? 'budget';
    result.worstOverrunMs = driver.worstOverrun;
    result.worstOverrunCall = driver.worstOverrunCall;
    result.perImport = Object.fromEntries(driver.perImport);
    result.watchdogStopped = driver.stopAt !== null;
    result.stoppedCalls = Object.fromEntries(driver.stoppedCalls);
  }
  result.peerActions = peers?.actions ?? 0;
  if (net !== null) {
    if (result.failure === undefined && net.openHandles > 0) {
      result.failure = {
        property: 'the host closes every socket when the module ends',
        message: `${net.openHandles} handle(s) of the memory network are still open after the instance ended`,
        trace: trace.tail(80),
      };
    }
  }
  return result;
}

function flatten(composed: ComposedImports): Record<string, (...args: Arg[]) => unknown> {
  return { ...composed.wasi_snapshot_preview1, ...composed.wasix_32v1 } as Record<string, (...args: Arg[]) => unknown>;
}

/**
 * The memory network's clock is virtual and lives in this thread: its
 * watchdog is a timer on that clock. A call that may wait with no limit and
 * has waited WATCHDOG_MS makes it stop the module as an owner would (a stop
 * lets waits on connections and clocks go on); one still waiting
 * WATCHDOG_MS after that makes it end the module, as when the grace is over.
 */
function startWatchdog(net: MemoryNetwork, driver: Driver, trace: Trace, over: () => boolean): void {
  const tick = () => {
    if (over()) return;
    if (driver.inCall && driver.callLimit === null && !net.control.endRequested) {
      if (!net.control.stopRequested && net.now() - driver.callStartedAt >= WATCHDOG_MS) {
        trace.note(`watchdog: the call has waited ${WATCHDOG_MS} ms; the owner stops the module`);
        driver.stopAt = net.now();
        net.stop();
      } else if (driver.stopAt !== null && net.now() - Math.max(driver.stopAt, driver.callStartedAt) >= WATCHDOG_MS) {
        trace.note(`watchdog: a call still waits ${WATCHDOG_MS} ms into the stop; the owner ends the module`);
        driver.endAt = net.now();
        net.requestEnd();
      }
    }
    net.after(WATCHDOG_TICK_MS, tick);
  };
  net.after(WATCHDOG_TICK_MS, tick);
}

function vectorSizes() {
  const sized = (list: readonly string[]) => ({ count: list.length, bytes: list.reduce((n, s) => n + Buffer.byteLength(s) + 1, 0) });
  return { args: sized(ARGS), env: sized(Object.entries(ENV).map(([k, v]) => `${k}=${v}`)) };
}

/** The imports, one of them broken on purpose by `fault`. */
function withFault(
  imports: Record<string, (...args: Arg[]) => unknown>,
  fault: Fault | undefined,
  trace: Trace,
  memory: () => WebAssembly.Memory,
): Record<string, (...args: Arg[]) => unknown> {
  if (fault === undefined) return imports;
  const out = { ...imports };
  const wrap = (name: string, around: (original: (...args: Arg[]) => unknown, args: Arg[]) => unknown) => {
    const original = imports[name]!;
    out[name] = (...args: Arg[]) => around(original, args);
  };
  trace.note(`fault put in on purpose: ${fault}`);
  switch (fault) {
    case 'scribble':
      // Writes one byte past its 8-byte result.
      wrap('clock_time_get', (original, args) => {
        const r = original(...args);
        const bytes = new Uint8Array(memory().buffer);
        const at = (Number(args[2]) >>> 0) + 8;
        if (r === 0 && at < bytes.length) bytes[at] = bytes[at]! ^ 0xff;
        return r;
      });
      break;
    case 'errno':
      wrap('sched_yield', () => 1000);
      break;
    case 'throw':
      wrap('sched_yield', () => {
        throw new TypeError('a bug on purpose');
      });
      break;
    case 'crash':
      wrap('sched_yield', () => process.kill(process.pid, 'SIGKILL'));
      break;
    case 'stall':
      // Sleeps well past a zero timeout.
      wrap('epoll_wait', (original, args) => {
        if (BigInt(args[3]!) === 0n) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, STALL_MS);
        return original(...args);
      });
      break;
  }
  return out;
}
