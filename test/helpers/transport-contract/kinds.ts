// Every transport kind the contract suite runs over: ONE entry per kind in
// UNDER_CONTRACT. A kind with an owner half is just its name (its halves open
// through ts/transport/kinds.ts, its peers as peers.ts says); the in-memory
// network, which has no owner half, is its own entry. A kind that cannot
// work on this machine is left out with one line saying why.

import { IN_PROCESS_KINDS, TRANSPORTS, type KindName } from '../../../ts/transport/kinds.js';
import { memoryKind } from './memory-rig.js';
import { ownerKind } from './owner-rig.js';
import type { KindUnderTest } from './rig.js';

export const UNDER_CONTRACT: readonly (KindName | KindUnderTest)[] = [memoryKind, 'node-net', 'kernel', 'virtual'];

/**
 * Kinds whose bytes wait in the kernel's socket buffers rather than in
 * JavaScript: how much they hold, and how much send() takes, is the kernel's
 * choice (SO_RCVBUF, SO_SNDBUF, autotuning), so the suite checks ranges there.
 */
const KERNEL_BUFFERED: ReadonlySet<string> = new Set(['kernel']);

export function kindsUnderContract(): KindUnderTest[] {
  return UNDER_CONTRACT.map((entry) => (typeof entry === 'string' ? ownerKind(entry, KERNEL_BUFFERED.has(entry)) : entry));
}

/** Kinds of ts/transport/kinds.ts (TCP and in-process) that are missing from UNDER_CONTRACT. */
export function kindsLeftOut(): KindName[] {
  return [...TRANSPORTS, ...IN_PROCESS_KINDS].filter((name) => !UNDER_CONTRACT.includes(name));
}

/** The kinds that can work here; prints why any other is left out. */
export async function kindsHere(): Promise<KindUnderTest[]> {
  const here: KindUnderTest[] = [];
  for (const kind of kindsUnderContract()) {
    const why = await kind.unavailable();
    if (why === null) here.push(kind);
    else console.log(`  transport contract: the ${kind.name} kind is left out here: ${why}`);
  }
  return here;
}
