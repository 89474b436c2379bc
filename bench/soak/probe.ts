// What /proc says about the server process: resident memory, CPU time, open fds.
import { readdirSync } from 'node:fs';
import { procStats } from '../../test/helpers/servers.js';

export interface ProcSample {
  rssKiB: number;
  cpuMs: number;
  fds: number;
}

/** A sample of process `pid`, or null when it is gone or unreadable. */
export function probe(pid: number): ProcSample | null {
  try {
    const { rssKiB, cpuMs } = procStats(pid);
    return { rssKiB, cpuMs, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return null;
  }
}
