// What every scenario gets, and the shape of one.
import type net from 'node:net';
import type { Tally } from './tally.js';

export interface SoakContext {
  port: number;
  /** Date.now() after which a scenario starts no new work; what is under way finishes. */
  deadline: number;
  /** The server's --stall-timeout in ms; 0 when it never drops a peer that stopped reading. */
  stallTimeoutMs: number;
  tally: Tally;
  /** Every socket a scenario opens, so a run past its bound can be cut short. */
  sockets: Set<net.Socket>;
}

export interface Scenario {
  name: string;
  /** One line: what the clients do. */
  load: string;
  run(ctx: SoakContext): Promise<void>;
}

export const running = (ctx: SoakContext): boolean => Date.now() < ctx.deadline;

/** Keeps `socket` in ctx.sockets until it closes. */
export function own(ctx: SoakContext, socket: net.Socket): net.Socket {
  ctx.sockets.add(socket);
  socket.once('close', () => ctx.sockets.delete(socket));
  return socket;
}

/** Runs `lane` `count` times in parallel, each repeating until the deadline. */
export async function lanes(ctx: SoakContext, count: number, lane: () => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async () => {
      while (running(ctx)) await lane();
    }),
  );
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
