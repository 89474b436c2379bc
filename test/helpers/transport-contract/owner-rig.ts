// A kind with an owner half, under contract: the owner half on the test's
// thread (generic: openOwner by name), the module half in a worker driven call
// by call (module-worker.ts), and peers as the kind is reached (peers.ts):
// node:net on 127.0.0.1, or the owner half's own connect().

import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { ControlBlock } from '../../../ts/transport/control-block.js';
import { openOwner, transportUnavailable, type KindName } from '../../../ts/transport/kinds.js';
import type { TransportOwner } from '../../../ts/transport/types.js';
import { withTimeout } from '../echo-client.js';
import type { Answer, Call } from './calls.js';
import { ModuleHalf } from './module-half.js';
import type { SocketAddress } from '../../../ts/transport/address.js';
import { dialFor, dialTargetsFor, type Dial, type OwnedPeer } from './peers.js';
import { DEFAULT_LIMIT, type KindUnderTest, type Peer, type RemoteServer, type Rig, type RigOptions } from './rig.js';
import type { DialTargets } from './tcp-targets.js';
import { CALL_BYTES, CALL_WORD, type NumberedAnswer, type NumberedCall, type Ready, type WorkerSetup } from './worker-protocol.js';

/** Longest a call other than wait() may take before the module half counts as stuck. */
const CALL_MS = 10_000;
/** What a wait() may overrun its timeout by before it counts as stuck; also the limit of wait(-1). */
const WAIT_SLACK_MS = 10_000;

interface Pending {
  id: number;
  resolve(answer: Answer): void;
  reject(error: Error): void;
}

class OwnerRig implements Rig {
  readonly control = new ControlBlock();
  readonly limits: { inbound: number; outbound: number };
  module!: ModuleHalf;
  private owner: TransportOwner | undefined;
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private readonly callWord = new Int32Array(new SharedArrayBuffer(CALL_BYTES));
  private pending: Pending | null = null;
  private nextId = 1;
  /** A call went unanswered: the worker may be stuck, and takes no more calls. */
  private stuck: string | null = null;
  private exited: Error | null = null;
  /** end() was called: the worker is about to exit. */
  private ending = false;
  private readonly peers: OwnedPeer[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly errors: unknown[] = [];

  constructor(
    readonly kind: KindName,
    readonly kernelBuffered: boolean,
    private readonly dial: Dial,
    private readonly targets: DialTargets,
    options: RigOptions,
    /** Told of the owner half once it is open (the dial targets of an in-process kind live on its network). */
    private readonly opened: (owner: TransportOwner) => void,
  ) {
    this.limits = { inbound: options.limits?.inbound ?? DEFAULT_LIMIT, outbound: options.limits?.outbound ?? DEFAULT_LIMIT };
  }

  async start(): Promise<void> {
    const owner = await openOwner(this.kind, { listen: [{ host: '127.0.0.1', port: 0 }], control: this.control, limits: this.limits });
    this.owner = owner;
    this.opened(owner);
    const { init, transfer } = owner.moduleInit();
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const setup: WorkerSetup = { init, control: this.control.buffer, calls: this.callWord.buffer as SharedArrayBuffer, port: port2 };
    const worker = new Worker(new URL('./module-worker.js', import.meta.url), { workerData: setup, transferList: [...transfer, port2] as never[] });
    this.worker = worker;
    const ready = new Promise<Ready>((resolve, reject) => {
      port1.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the module worker exited (${code}) before opening the module half`)));
    });
    const first = await withTimeout(`the ${this.kind} module half to open`, CALL_MS, ready);
    if (!first.ready) throw new Error(`the ${this.kind} module half did not open: ${first.error}`);
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      // After end() the worker exits by itself; its answer may come after the exit.
      if (this.ending && code === 0) return;
      this.fail(new Error(`the module worker exited (${code})`));
    });
    port1.on('message', (answer: NumberedAnswer) => {
      const pending = this.pending;
      if (pending === null || pending.id !== answer.id) return;
      this.pending = null;
      pending.resolve(answer);
    });
    this.module = new ModuleHalf(first.listeners, (call) => this.call(call));
  }

  async connect(): Promise<Peer> {
    const peer = await this.dial(this.owner!);
    this.peers.push(peer);
    return peer;
  }

  serve(): Promise<RemoteServer> {
    return this.targets.serve();
  }

  refusing(): Promise<SocketAddress> {
    return this.targets.refusing();
  }

  stalled(): Promise<SocketAddress> {
    return this.targets.stalled();
  }

  async connectTo(address: SocketAddress): Promise<Peer> {
    return this.targets.connectTo(address);
  }

  later(ms: number, action: () => unknown): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      Promise.resolve()
        .then(action)
        .catch((error: unknown) => this.errors.push(error));
    }, ms);
    this.timers.add(timer);
  }

  requestStop(): void {
    this.control.requestStop();
    this.owner!.wake();
  }

  now(): number {
    return performance.now();
  }

  async dispose(): Promise<unknown[]> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const peer of this.peers) peer.dispose();
    this.targets.dispose();
    try {
      if (this.module !== undefined && this.stuck === null && this.exited === null && this.pending === null) {
        // The module half's end, as the host calls it; it must reach the owner.
        this.ending = true;
        await this.module.end();
        await withTimeout(`the ${this.kind} owner to see the module half end`, CALL_MS, this.owner!.ended);
      }
    } finally {
      if (this.worker !== null) {
        // A worker asleep in the module half's wait() is woken first (a kernel wait would not end by itself).
        this.owner?.wake();
        await this.worker.terminate();
      }
      this.port?.close();
      if (this.owner !== undefined) await withTimeout(`the ${this.kind} owner to close`, CALL_MS, this.owner.close(0));
    }
    return this.errors;
  }

  private call(call: Call): Promise<Answer> {
    if (this.exited !== null) return Promise.reject(this.exited);
    if (this.stuck !== null) return Promise.reject(new Error(`the module half is stuck in an earlier call: ${this.stuck}`));
    const id = this.nextId++;
    const limit = call.op === 'wait' ? Math.max(0, call.timeoutMs) + WAIT_SLACK_MS : CALL_MS;
    const answer = new Promise<Answer>((resolve, reject) => {
      this.pending = { id, resolve, reject };
      this.port!.postMessage({ ...call, id } satisfies NumberedCall);
      Atomics.add(this.callWord, CALL_WORD, 1);
      Atomics.notify(this.callWord, CALL_WORD);
    });
    return withTimeout(`the ${this.kind} module half to answer ${call.op}()`, limit, answer).catch((error: Error) => {
      if (this.pending?.id === id) {
        this.pending = null;
        this.stuck = error.message;
      }
      throw error;
    });
  }

  private fail(error: Error): void {
    this.exited ??= error;
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }
}

/** A kind with an owner half, by its name alone. */
export function ownerKind(name: KindName, kernelBuffered: boolean): KindUnderTest {
  return {
    name,
    unavailable: () => transportUnavailable(name),
    async open(options) {
      let owner: TransportOwner | undefined;
      const rig = new OwnerRig(name, kernelBuffered, dialFor(name), dialTargetsFor(name, () => owner!), options, (o) => (owner = o));
      try {
        await rig.start();
      } catch (error) {
        await rig.dispose().catch(() => {});
        throw error;
      }
      return rig;
    },
  };
}
