import type { HrTime } from '@opentelemetry/api';

const NS_PER_S = 1_000_000_000n;

/** Wall-clock nanoseconds (bigint) → OTel HrTime [seconds, nanoseconds]. */
export function nanosToHrTime(ns: bigint): HrTime {
  const s = ns / NS_PER_S;
  return [Number(s), Number(ns - s * NS_PER_S)];
}

/** Duration between two nanosecond instants as HrTime (negative durations clamp to zero). */
export function durationHrTime(start: bigint, end: bigint): HrTime {
  return end > start ? nanosToHrTime(end - start) : [0, 0];
}

/** Milliseconds since the epoch (Date.now()) → HrTime. */
export function millisToHrTime(ms: number): HrTime {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}
