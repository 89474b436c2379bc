/**
 * The time base of poll_oneoff and epoll_wait deadlines. composeImports also
 * answers the module's clock_time_get for REALTIME and MONOTONIC from it, so
 * an absolute deadline the module computed is read on the very clock it was
 * computed from (with a virtual clock in tests as with the system's).
 */
export interface Clock {
  realtimeNs(): bigint;
  monotonicNs(): bigint;
  readonly resolutionNs: bigint;
}

const nodeHrtime = (globalThis as { process?: { hrtime?: { bigint?: () => bigint } } }).process?.hrtime;

export const systemClock: Clock = {
  realtimeNs: () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n,
  // Node's hrtime is uv_hrtime, the clock node:wasi's own MONOTONIC reads.
  monotonicNs: nodeHrtime?.bigint ? () => nodeHrtime.bigint!() : () => BigInt(Math.round(performance.now() * 1e6)),
  resolutionNs: 1000n,
};
